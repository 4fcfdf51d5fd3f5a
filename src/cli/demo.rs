//! Syntax of `demo`.

use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's outputs.
    #[arg(short, long, default_value = "build/demo")]
    pub output: PathBuf,
}
