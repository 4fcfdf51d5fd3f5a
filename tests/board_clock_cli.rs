//! `neurogen board generate --clock-mhz`: the board clock is the PLL's, a clock the PLL cannot
//! make is refused naming the nearest ones, the UART divisor and the baud check follow the PLL
//! clock, and the PLL's simulation model is written beside the Verilog. Runtime: < 1 s.

mod common;
use common::neurogen;

const NET: &str = "name = \"clk\"\n[array]\ninputs = 8\nneurons = 4\n";

fn generate(test: &str, extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let dir = common::scratch("board_clock", test);
    let cfg = dir.join("net.toml");
    std::fs::write(&cfg, NET).unwrap();
    let out = dir.join("out");
    let mut args = vec![
        "board",
        "generate",
        cfg.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    (neurogen(&args), out)
}

#[test]
fn the_default_board_clock_is_the_plls_and_the_uart_divides_it() {
    let (o, out) = generate("default", &["--board", "icebreaker"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains("39.75 MHz board clock: PLL 39.75 MHz = 12 MHz x 53 / 16 by SB_PLL40_PAD"),
        "{text}"
    );
    assert!(text.contains("1000000 baud = 40 clocks per bit"), "{text}");
    let top = std::fs::read_to_string(out.join("rtl/clk_icebreaker.v")).unwrap();
    assert!(top.contains("SB_PLL40_PAD #("), "{top}");
    let pcf = std::fs::read_to_string(out.join("icebreaker.pcf")).unwrap();
    assert!(pcf.contains("set_frequency clk 12\n"), "{pcf}");
    assert!(out.join("sim/neurogen_pll_models.v").is_file());
    assert!(!out.join("rtl/neurogen_pll_models.v").exists());
}

#[test]
fn a_clock_the_pll_cannot_make_is_refused_naming_the_nearest() {
    let (o, _) = generate("refused", &["--board", "icebreaker", "--clock-mhz", "40"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains(
            "cannot make 40 MHz from the 12 MHz oscillator; nearest it makes: 39.75 MHz or 40.5 MHz"
        ),
        "{err}"
    );
    let (o, _) = generate("ulx3s", &["--board", "ulx3s", "--clock-mhz", "100"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains("100 MHz clock, 1000000 baud = 100 clocks per bit"),
        "{text}"
    );
    // 2.3 Mbaud is 4.2 % off with the 12 MHz oscillator, 0.6 % with the 48 MHz PLL clock: taken;
    // 48 MHz / 2,594,595 baud = 18.5 clocks per bit: 2.7 % off, refused
    let (o, _) = generate(
        "baud",
        &[
            "--board",
            "icebreaker",
            "--clock-mhz",
            "48",
            "--baud",
            "2300000",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (o, _) = generate(
        "baud-off",
        &[
            "--board",
            "icebreaker",
            "--clock-mhz",
            "48",
            "--baud",
            "2594595",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("2.7 % off with the 48 MHz board clock"),
        "{err}"
    );
}
