//! Building a design: the [`Build`] description, the cached Verilator runtime, and loading a
//! built shared object as a [`Design`].
//!
//! Key decision: a build is a pure function of its inputs, so its output is cached under the hash
//! of those inputs (see [`super::cache`]). The expensive part that does not depend on the design,
//! Verilator's runtime (~4 s of C++), is compiled once per toolchain into a static archive of
//! position-independent objects with hidden visibility and linked into every model.

use std::collections::HashMap;
use std::ffi::CStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cache::{self, KeyHasher, TempDir};
use super::cxx;
use super::error::{Error, ErrorKind, summarize_gxx, summarize_verilator};
use super::header;
use super::model::{Api, InitialValues, Model, Port};
use super::toolchain::{Toolchain, describe, run, toolchain, which};

/// The options this binding always gives Verilator, before the caller's flags (which may override
/// them). See the module documentation for the X choices.
const VERILATOR_FLAGS: &[&str] = &["--cc", "-O3", "--x-assign", "0", "--x-initial", "unique"];

/// The archive the runtime is compiled into.
const RUNTIME_ARCHIVE: &str = "libngverilated.a";

/// A Verilog design to build: sources, top module, extra Verilator flags, tracing.
#[derive(Debug, Clone)]
pub struct Build {
    top: String,
    sources: Vec<Source>,
    flags: Vec<String>,
    trace: bool,
    cache_dir: Option<PathBuf>,
}

#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Text { name: String, text: String },
}

impl Build {
    /// A build of top module `top`, with no sources yet.
    pub fn new(top: impl Into<String>) -> Self {
        Build {
            top: top.into(),
            sources: Vec::new(),
            flags: Vec::new(),
            trace: false,
            cache_dir: None,
        }
    }

    /// Adds a Verilog source file.
    pub fn source(mut self, path: impl AsRef<Path>) -> Self {
        self.sources.push(Source::File(path.as_ref().to_path_buf()));
        self
    }

    /// Adds several Verilog source files, in order.
    pub fn sources<P: AsRef<Path>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        for p in paths {
            self.sources.push(Source::File(p.as_ref().to_path_buf()));
        }
        self
    }

    /// Adds Verilog source text; it is written to a file called `name` in the build directory
    /// (the name Verilator's messages will show).
    pub fn source_text(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.sources.push(Source::Text {
            name: name.into(),
            text: text.into(),
        });
        self
    }

    /// Adds one Verilator command-line argument (e.g. `-Wno-fatal`, `-DFOO=1`, `-Iinc`), after
    /// the binding's own.
    pub fn flag(mut self, flag: impl Into<String>) -> Self {
        self.flags.push(flag.into());
        self
    }

    /// Adds several Verilator arguments, in order.
    pub fn flags<S: Into<String>>(mut self, flags: impl IntoIterator<Item = S>) -> Self {
        self.flags.extend(flags.into_iter().map(Into::into));
        self
    }

    /// Builds with `--trace` so that models can write VCD files ([`Model::trace_open`]). Tracing
    /// costs a little speed even when no file is open, so it is off by default.
    pub fn trace(mut self, on: bool) -> Self {
        self.trace = on;
        self
    }

    /// Keeps built models under `dir` instead of [`super::default_cache_dir`]. The Verilator
    /// runtime is shared by all models and always stays in the default cache.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Builds the design, or loads it from the cache when these exact inputs were built before.
    pub fn build(&self) -> Result<Design, Error> {
        let start = Instant::now();
        if self.sources.is_empty() {
            return Err(Error::unsupported(format!(
                "no Verilog sources given for top module `{}`",
                self.top
            )));
        }
        let mut names = std::collections::HashSet::new();
        for s in &self.sources {
            if let Source::Text { name, .. } = s {
                let plain = Path::new(name).file_name().and_then(|n| n.to_str()) == Some(name);
                if !plain || !names.insert(name.as_str()) {
                    return Err(Error::unsupported(format!(
                        "source text name `{name}` must be a plain file name, used once"
                    )));
                }
            }
        }
        let tc = toolchain()?;
        let inputs = self.read_sources()?;
        let key = self.key(tc, &inputs);
        let cache_dir = self.cache_dir.clone().unwrap_or_else(cache::default_dir);
        let entry = cache_dir.join(format!("model-{key}"));
        // Fast path: a finished entry needs no lock (entries appear by an atomic rename).
        if let Ok(Some(loaded)) = load(&entry) {
            return Ok(Design::new(loaded, true, start.elapsed(), entry));
        }
        let _lock = cache::lock(&cache_dir.join(format!("model-{key}.lock")))?;
        if let Ok(Some(loaded)) = load(&entry) {
            // Another thread or process built it while we waited.
            return Ok(Design::new(loaded, true, start.elapsed(), entry));
        }
        cache::remove_leftovers(&cache_dir, &format!("model-{key}"));
        let (runtime, _) = ensure_runtime()?;
        let tmp = TempDir::new(&cache_dir, &format!("model-{key}"))?;
        self.compile(tc, &runtime, &key, &inputs, tmp.path(), &cache_dir)?;
        tmp.install(&entry)?;
        let loaded = load(&entry)?.ok_or_else(|| {
            Error::unsupported(format!("built model {} vanished", entry.display()))
        })?;
        Ok(Design::new(loaded, false, start.elapsed(), entry))
    }

    fn read_sources(&self) -> Result<Vec<(Source, Vec<u8>)>, Error> {
        self.sources
            .iter()
            .map(|s| match s {
                Source::File(p) => fs::read(p).map(|b| (s.clone(), b)).map_err(|e| {
                    Error::io(format!("cannot read Verilog source {}", p.display()), e)
                }),
                Source::Text { text, .. } => Ok((s.clone(), text.as_bytes().to_vec())),
            })
            .collect()
    }

    fn key(&self, tc: &Toolchain, inputs: &[(Source, Vec<u8>)]) -> String {
        let mut h = KeyHasher::new("neurogen-cosim-model");
        h.str(&cxx::ABI_VERSION.to_string())
            .str(&cxx::fingerprint())
            .str(&tc.verilator_version)
            .str(&tc.cxx_version)
            .str(&self.top)
            .str(if self.trace { "trace" } else { "notrace" });
        for f in VERILATOR_FLAGS {
            h.str(f);
        }
        h.str("--");
        for f in &self.flags {
            h.str(f);
        }
        h.str("--");
        for (s, bytes) in inputs {
            match s {
                // File names do not enter the key: the same text at another path is the same design.
                Source::File(_) => h.str("file"),
                Source::Text { name, .. } => h.str("text").str(name),
            };
            h.field(bytes);
        }
        h.hex()
    }

    fn compile(
        &self,
        tc: &Toolchain,
        runtime: &Path,
        key: &str,
        inputs: &[(Source, Vec<u8>)],
        dir: &Path,
        cache_dir: &Path,
    ) -> Result<(), Error> {
        let prefix = format!("Vng_{}", &key[..16]);
        let obj = dir.join("obj");
        cache::create_dir_all(&obj)?;
        // Sources: files by absolute path (so Verilator's messages name them), text written out.
        let mut paths = Vec::new();
        for (s, _) in inputs {
            match s {
                Source::File(p) => paths.push(
                    std::path::absolute(p)
                        .map_err(|e| Error::io(format!("cannot resolve {}", p.display()), e))?,
                ),
                Source::Text { name, text } => {
                    let src = dir.join("src");
                    cache::create_dir_all(&src)?;
                    let p = src.join(name);
                    cache::write(&p, text)?;
                    paths.push(p);
                }
            }
        }

        // 1. Verilate.
        let mut cmd = Command::new(&tc.verilator);
        cmd.args(VERILATOR_FLAGS)
            .arg("--prefix")
            .arg(&prefix)
            .arg("--top-module")
            .arg(&self.top)
            .arg("-Mdir")
            .arg(&obj);
        if self.trace {
            cmd.arg("--trace");
        }
        cmd.args(&self.flags).args(&paths);
        let out = run(&mut cmd, "verilator")?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            let text = if stderr.trim().is_empty() {
                String::from_utf8_lossy(&out.stdout).into_owned()
            } else {
                stderr
            };
            let log = save_log(cache_dir, key, "verilator", &cmd, &text);
            return Err(ErrorKind::Verilator {
                top: self.top.clone(),
                summary: summarize_verilator(&text),
                log,
            }
            .into());
        }

        // 2. Ports and classes.
        let header_text = cache::read_to_string(&obj.join(format!("{prefix}.h")))?;
        let ports = header::parse_ports(&header_text).map_err(Error::unsupported)?;
        let mk = cache::read_to_string(&obj.join(format!("{prefix}_classes.mk")))?;
        let (classes, globals) = header::parse_classes(&mk);
        if let Some(g) = globals
            .iter()
            .find(|g| !cxx::RUNTIME_SOURCES.contains(&g.as_str()))
        {
            return Err(Error::unsupported(format!(
                "the design needs Verilator runtime file `{g}.cpp` (from a flag such as --timing \
                 or --savable), which this binding does not build"
            )));
        }
        if classes.is_empty() {
            return Err(Error::unsupported(format!(
                "Verilator generated no classes for `{}`",
                self.top
            )));
        }

        // 3. Dependencies besides the sources.
        let exclude: Vec<PathBuf> = paths
            .iter()
            .map(|p| fs::canonicalize(p).unwrap_or_else(|_| p.clone()))
            .collect();
        let dat =
            fs::read_to_string(obj.join(format!("{prefix}__verFiles.dat"))).unwrap_or_default();
        let mut deps = String::new();
        let mut deps_key = KeyHasher::new("deps");
        for p in header::parse_ver_files(&dat) {
            let abs = fs::canonicalize(&p).unwrap_or(p);
            if exclude.contains(&abs) || abs.starts_with(dir) {
                continue;
            }
            let hash = cache::file_hash(&abs).unwrap_or_default();
            deps_key.str(&hash).str(&abs.to_string_lossy());
            deps.push_str(&format!("{hash}\t{}\n", abs.display()));
        }

        // 4. One compile of the unity file, linked with the runtime.
        let unity = dir.join("unity.cpp");
        cache::write(
            &unity,
            cxx::unity_source(&prefix, &classes, &ports, self.trace),
        )?;
        let so_name = format!("{prefix}-{}.so", &deps_key.hex()[..8]);
        let root = tc.verilator_root()?;
        let mut cmd = Command::new(&tc.cxx);
        cmd.args(cxx::common_flags(root, self.trace))
            .arg(format!("-I{}", obj.display()))
            .arg("-shared")
            .arg("-o")
            .arg(dir.join(&so_name))
            .arg(&unity)
            .arg(runtime)
            .args(cxx::LINK_LIBS);
        let out = run(&mut cmd, "g++")?;
        if !out.status.success() {
            let text = String::from_utf8_lossy(&out.stderr).into_owned();
            let log = save_log(cache_dir, key, "g++", &cmd, &text);
            return Err(ErrorKind::Compiler {
                what: format!("the Verilated model of `{}`", self.top),
                summary: summarize_gxx(&text),
                log,
            }
            .into());
        }

        cache::write(&dir.join("deps"), deps)?;
        cache::write(
            &dir.join("manifest"),
            format!(
                "abi={}\ntop={}\nprefix={prefix}\nso={so_name}\ntrace={}\n",
                cxx::ABI_VERSION,
                self.top,
                u8::from(self.trace)
            ),
        )?;
        Ok(())
    }
}

/// Saves a failed tool's whole output next to the cache entries; returns where, if it could.
fn save_log(cache_dir: &Path, key: &str, tool: &str, cmd: &Command, text: &str) -> Option<PathBuf> {
    let path = cache_dir.join(format!("failed-{key}-{tool}.log"));
    let body = format!("$ {}\n{text}", describe(cmd));
    fs::write(&path, body).ok().map(|_| path)
}

/// The Verilator runtime archive for this toolchain, compiled on first use (under a lock); the
/// flag says whether this call compiled it.
pub(crate) fn ensure_runtime() -> Result<(PathBuf, bool), Error> {
    let tc = toolchain()?;
    let root = tc.verilator_root()?;
    let user = cxx::runtime_user_source();
    let mut h = KeyHasher::new("neurogen-cosim-runtime");
    h.str(&tc.verilator_version)
        .str(&tc.cxx_version)
        .str(&root.to_string_lossy())
        .str(&user);
    for f in cxx::common_flags(root, true)
        .iter()
        .map(String::as_str)
        .chain(cxx::RUNTIME_DEFINES.iter().copied())
        .chain(cxx::RUNTIME_SOURCES.iter().copied())
    {
        h.str(f);
    }
    let key = h.hex();
    let base = cache::default_dir();
    let dir = base.join(format!("runtime-{key}"));
    let archive = dir.join(RUNTIME_ARCHIVE);
    if archive.is_file() {
        return Ok((archive, false));
    }
    let _lock = cache::lock(&base.join(format!("runtime-{key}.lock")))?;
    if archive.is_file() {
        return Ok((archive, false));
    }
    cache::remove_leftovers(&base, &format!("runtime-{key}"));
    let tmp = TempDir::new(&base, &format!("runtime-{key}"))?;
    let user_cpp = tmp.path().join("ng_user.cpp");
    cache::write(&user_cpp, &user)?;
    let mut units: Vec<(String, PathBuf)> = cxx::RUNTIME_SOURCES
        .iter()
        .map(|s| (s.to_string(), root.join("include").join(format!("{s}.cpp"))))
        .collect();
    units.push(("ng_user".to_string(), user_cpp));
    let flags = cxx::common_flags(root, true);
    // The units are independent: compile them in parallel.
    let results: Vec<Result<PathBuf, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = units
            .iter()
            .map(|(name, src)| {
                let obj = tmp.path().join(format!("{name}.o"));
                let flags = &flags;
                s.spawn(move || -> Result<PathBuf, Error> {
                    let mut cmd = Command::new(&tc.cxx);
                    cmd.args(flags)
                        .args(cxx::RUNTIME_DEFINES)
                        .arg("-c")
                        .arg(src)
                        .arg("-o")
                        .arg(&obj);
                    let out = run(&mut cmd, "g++")?;
                    if !out.status.success() {
                        let text = String::from_utf8_lossy(&out.stderr);
                        return Err(ErrorKind::Compiler {
                            what: format!("the Verilator runtime ({})", src.display()),
                            summary: summarize_gxx(&text),
                            log: None,
                        }
                        .into());
                    }
                    Ok(obj)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("runtime compile thread panicked"))
            .collect()
    });
    let objs = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    let ar = which("ar")?;
    let mut cmd = Command::new(ar);
    cmd.arg("rcs")
        .arg(tmp.path().join(RUNTIME_ARCHIVE))
        .args(&objs);
    let out = run(&mut cmd, "ar")?;
    if !out.status.success() {
        return Err(Error::unsupported(format!(
            "`{}` failed: {}",
            describe(&cmd),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    for o in &objs {
        let _ = fs::remove_file(o);
    }
    tmp.install(&dir)?;
    Ok((archive, true))
}

/// A loaded shared object and what the shim says about it.
pub(crate) struct Loaded {
    pub api: Api,
    pub ports: Vec<Port>,
    pub index: HashMap<String, usize>,
    pub trace: bool,
    pub top: String,
    pub dir: PathBuf,
    // Dropped last: the function pointers in `api` point into it.
    _lib: libloading::Library,
}

/// Loads a cache entry: `Ok(None)` when it is missing or stale (a recorded dependency changed).
fn load(entry: &Path) -> Result<Option<Loaded>, Error> {
    let manifest = match fs::read_to_string(entry.join("manifest")) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(format!("cannot read {}", entry.display()), e)),
    };
    let field = |k: &str| -> Option<String> {
        manifest
            .lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix('='))
            .map(str::to_string)
    };
    let (Some(so), Some(top)) = (field("so"), field("top")) else {
        return Ok(None);
    };
    if field("abi").as_deref() != Some(&cxx::ABI_VERSION.to_string()) {
        return Ok(None);
    }
    let deps = fs::read_to_string(entry.join("deps")).unwrap_or_default();
    for line in deps.lines() {
        if let Some((hash, path)) = line.split_once('\t')
            && cache::file_hash(Path::new(path)).as_deref() != Some(hash)
        {
            return Ok(None);
        }
    }
    let so_path = entry.join(&so);
    let load_err = |message: String| -> Error {
        ErrorKind::Load {
            path: so_path.clone(),
            message,
        }
        .into()
    };
    // SAFETY: the library is one this binding built; its initialisers are Verilator's and ours.
    let lib: libloading::Library = unsafe {
        libloading::os::unix::Library::open(
            Some(&so_path),
            libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_LOCAL,
        )
    }
    .map_err(|e| load_err(e.to_string()))?
    .into();
    let api = Api::load(&lib).map_err(load_err)?;
    // SAFETY: the table functions take an index and return static data or null.
    let (abi, has_trace, count) = unsafe { ((api.abi)(), (api.has_trace)(), (api.port_count)()) };
    if abi != cxx::ABI_VERSION {
        return Err(load_err(format!(
            "shim ABI {abi}, this binding expects {}",
            cxx::ABI_VERSION
        )));
    }
    let cstr = |p: *const std::ffi::c_char| -> String {
        if p.is_null() {
            String::new()
        } else {
            // SAFETY: non-null pointers from the table are static NUL-terminated strings.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
    };
    let mut ports = Vec::with_capacity(count as usize);
    let mut index = HashMap::new();
    for i in 0..count {
        // SAFETY: i < count.
        let port = unsafe {
            Port::new(
                cstr((api.port_name)(i)),
                cstr((api.port_cxx_name)(i)),
                (api.port_dir)(i),
                (api.port_width)(i),
                (api.port_msb)(i),
                (api.port_lsb)(i),
            )
        };
        index.insert(port.name().to_string(), i as usize);
        if port.cxx_name() != port.name() {
            index
                .entry(port.cxx_name().to_string())
                .or_insert(i as usize);
        }
        ports.push(port);
    }
    Ok(Some(Loaded {
        api,
        ports,
        index,
        trace: has_trace != 0,
        top,
        dir: entry.to_path_buf(),
        _lib: lib,
    }))
}

/// How a [`Design`] was obtained.
#[derive(Debug, Clone)]
pub struct BuildInfo {
    from_cache: bool,
    elapsed: Duration,
    dir: PathBuf,
}

impl BuildInfo {
    /// Whether the design was loaded from the cache (no Verilator or g++ run).
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }

    /// Wall time of [`Build::build`], including waiting for another builder's lock.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The cache entry: the shared object, the generated C++ (`obj/`, `unity.cpp`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// A built and loaded design: its port table, and a factory of [`Model`]s.
#[derive(Clone)]
pub struct Design {
    loaded: Arc<Loaded>,
    info: BuildInfo,
}

impl std::fmt::Debug for Design {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Design")
            .field("top", &self.loaded.top)
            .field("ports", &self.loaded.ports)
            .field("trace", &self.loaded.trace)
            .field("info", &self.info)
            .finish()
    }
}

impl Design {
    fn new(loaded: Loaded, from_cache: bool, elapsed: Duration, dir: PathBuf) -> Self {
        Design {
            loaded: Arc::new(loaded),
            info: BuildInfo {
                from_cache,
                elapsed,
                dir,
            },
        }
    }

    /// The top module's name.
    pub fn top(&self) -> &str {
        &self.loaded.top
    }

    /// The top-level ports, in the order of the generated header.
    pub fn ports(&self) -> &[Port] {
        &self.loaded.ports
    }

    /// The port called `name` (its Verilog name, or Verilator's C++ name for it).
    pub fn port(&self, name: &str) -> Option<&Port> {
        self.loaded.index.get(name).map(|&i| &self.loaded.ports[i])
    }

    /// Whether the design was built with tracing.
    pub fn has_trace(&self) -> bool {
        self.loaded.trace
    }

    /// How the design was obtained.
    pub fn build_info(&self) -> &BuildInfo {
        &self.info
    }

    /// A new model instance with every uninitialised variable zero.
    pub fn model(&self) -> Result<Model, Error> {
        self.model_with(InitialValues::Zeros)
    }

    /// A new model instance with the given initial values of variables without a reset.
    pub fn model_with(&self, init: InitialValues) -> Result<Model, Error> {
        Model::new(Arc::clone(&self.loaded), init)
    }

    pub(crate) fn entry_dir(&self) -> &Path {
        &self.loaded.dir
    }
}
