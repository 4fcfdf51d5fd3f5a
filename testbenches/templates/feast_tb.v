// Self-checking testbench of the generated FEAST layer `{{TOP}}`.
// {{HEADER}}
// Filled in by `neurogen testbench` from testbenches/templates/feast_tb.v; do not edit, re-export.
//
// Verilog-2005; runs unchanged under `iverilog -g2005` + `vvp` and `verilator --binary`
// (see run.sh). One synchronous state machine on the rising clock edge with non-blocking
// assignments, so no simulator-specific event ordering is involved.
//
// What it does, with the vectors the golden model (golden::feast) wrote to vectors/:
//  1. holds `rst` for two cycles, then checks that the trace clear takes CLEAR cycles until the
//     layer accepts host requests (`wb_stall` low);
//  2. before each tick, performs that tick's host writes (each followed by a wait until the layer
//     is idle again: the clear command runs a sweep);
//  3. drives the tick's input beats one at a time, then its end-of-tick beat; for each beat it
//     counts the cycles from its first offer to its acceptance (the decay sweep before a tick's
//     first beat) and from its acceptance until the layer is idle again, and checks both against
//     the cycle model, and checks the output beat the beat produced, in the output register when
//     the layer is idle again: the winner's spike for a won event, the end-of-tick beat for the
//     end of the tick, nothing for a missed, skipped or dropped event (the beats taken so far
//     and the one in the register must be as many as the golden model's so far);
//  4. checks every output beat taken (`out_valid` and `out_ready` high at a rising edge), in
//     order, against the golden model's output stream (vectors/out.hex), whenever it is taken:
//     under output backpressure a beat may wait in the register through later input beats and
//     host transactions; a lost, duplicated or changed beat fails there; at the end the register
//     is drained and every expected beat must have been taken;
//  5. after every tick reads the counters and every threshold through the Wishbone port (every
//     weight and trace every few ticks) and compares them with the golden model's; at the end
//     the ID register, the counters, every threshold, weight and trace;
//  6. prints exactly one `PASS` or `FAIL` line. PASS ends with `$finish` (exit status 0), FAIL
//     with `$fatal` (vvp exits 1, a Verilator binary aborts).
//
// No `timescale: one clock period is 10 time units of whatever unit the simulator defaults to.
//
// Plusargs: +seed=S (seed of the gaps and of out_ready), +bp=P (probability in 1/1000 of a gap
// before each input beat), +obp=P and +oburst=B (output backpressure: out_ready low in about P
// of every 1000 cycles, in runs of B cycles on average: a low cycle is followed by a high one
// with probability 1/B, a high cycle by a low one with probability P / ((1000 - P) B), which
// must be at most 1), +watchdog=C (cycles without progress before a timeout; cycles in which the
// testbench holds a beat in the output register count as progress), +verbose (one line per
// tick), +vcd (write tb.vcd; a Verilator build needs --trace).
//
// Every cycle count stays exact under both backpressures: gaps come before an offer, and a beat
// that sends an output beat (a win, the end of a tick) sends it in its last cycle by the cycle
// model, where it waits one more cycle for each consecutive cycle from there on in which the
// output register still holds an untaken beat (`out_valid` high, `out_ready` low);
// golden::feast::FeastArch::output_wait. Nothing else in the layer depends on `out_ready`.
`default_nettype none

module {{TB}};

    // ---- sizes and files, filled in by neurogen ---------------------------------------------
    localparam integer TICKS = {{TICKS}};       // ticks of the stimulus
    localparam integer N_IN = {{N_IN}};         // input beats, end-of-tick beats included
    localparam integer N_ACT = {{N_ACT}};       // host writes, plus one end marker
    localparam integer N_CHK = {{N_CHK}};       // read-back checks, plus one end marker
    localparam integer IW_ACT = {{IW_ACT}};     // index bits of act_mem
    localparam integer IW_CHK = {{IW_CHK}};     // index bits of chk_mem
    localparam integer N_OUT = {{N_OUT}};       // output beats (spikes and end-of-tick beats)
    localparam integer AW = {{AW}};             // width of wb_adr
    localparam integer OB = {{OB}};             // width of out_addr
    localparam integer CLEAR = {{CLEAR}};       // cycles of the trace clear after reset
    parameter integer BP_DEFAULT = {{BP}};      // gaps before input beats, 1/1000
    parameter integer OBP_DEFAULT = {{OBP}};    // out_ready low, 1/1000 of the cycles
    parameter integer OBURST_DEFAULT = {{OBURST}}; // mean run of out_ready low, cycles
    parameter integer SEED_DEFAULT = {{SEED}};
    parameter integer WATCHDOG_DEFAULT = {{WATCHDOG}};

    // Vector formats (one hex word per line):
    //  in:  {eot[32], addr[31:0]}                                   one per input beat
    //  exp: {kind[103:96], wait[95:64], busy[63:32], winner[31:0]}  one per input beat; kind 0
    //       dropped, 1 skipped, 2 missed, 3 won (by `winner`), 4 end of tick; `wait`: cycles from
    //       the first offer to the acceptance; `busy`: cycles from the acceptance until idle
    //  act: {tick[103:72], kind[71:64], addr[63:32], data[31:0]}    a host write before `tick`;
    //       the end marker has tick = 32'hFFFFFFFF
    //  chk: {after[159:128], kind[127:120], j[119:96], i[95:72], addr[63:32], word[31:0]}
    //       read when `after` ticks are done (TICKS + 1: at the end); kind 0 ends the list
    //  out: {eot[32], addr[31:0]}                                   one per output beat, in order
    reg [32:0] in_mem [0:N_IN-1];
    reg [32:0] out_mem [0:N_OUT-1];
    reg [103:0] exp_mem [0:N_IN-1];
    reg [103:0] act_mem [0:N_ACT-1];
    reg [159:0] chk_mem [0:N_CHK-1];

    // ---- the sequencer's states ----------------------------------------------------------------
    localparam [3:0] S_RESET = 4'd0, S_CLEAR = 4'd1, S_ACT = 4'd2, S_GAP = 4'd3, S_OFFER = 4'd4,
                     S_BUSY = 4'd5, S_WB = 4'd6, S_IDLE = 4'd7, S_RB = 4'd8, S_CMP = 4'd9,
                     S_DONE = 4'd10;

    // the ports, the clock, the settings, the sequencer's common registers and the host
`include "tb_common.vh"

    // ---- the layer ----------------------------------------------------------------------------
`define NF_TOP {{TOP}}
`include "nf_dut.vh"
`undef NF_TOP

    // ---- settings of the output backpressure --------------------------------------------------
    integer obp;
    integer oburst;
    reg [31:0] obp_mod;        // (1000 - obp) * oburst
    reg [31:0] rnd_o;          // the out_ready chain's draws

    /* verilator lint_off BLKSEQ */
    initial begin
        read_settings;
        obp = OBP_DEFAULT;
        oburst = OBURST_DEFAULT;
        if ($value$plusargs("obp=%d", obp)) begin end
        if ($value$plusargs("oburst=%d", oburst)) begin end
        if (obp < 0 || obp > 999 || oburst < 1 || oburst > 1000000 || (1000 - obp) * oburst < obp) begin
            $display("FAIL: +obp=%0d +oburst=%0d: the output backpressure must be in 0..999 (1/1000), the runs in 1..1000000 cycles, and (1000 - obp) * oburst >= obp",
                     obp, oburst);
            finished = 1'b1;
            $fatal(1, "bad plusarg");
        end
        obp_mod = (1000 - obp) * oburst;
        if ($test$plusargs("vcd")) begin
            $dumpfile("tb.vcd");
            $dumpvars(0, {{TB}});
        end
        $readmemh("{{IN_FILE}}", in_mem);
        $readmemh("{{EXP_FILE}}", exp_mem);
        $readmemh("{{ACT_FILE}}", act_mem);
        $readmemh("{{CHK_FILE}}", chk_mem);
        $readmemh("{{OUT_FILE}}", out_mem);
        rnd_o = ((seed == 0) ? 32'h6d2b79f5 : seed) ^ 32'h9e3779b9;
        if (rnd_o == 32'd0)
            rnd_o = 32'h2545f491;
    end
    /* verilator lint_on BLKSEQ */

    // the low half of the random word `rnd` decides the gaps before input beats, `rnd_o` (a
    // second generator) out_ready
    wire gap_in = (bp != 0) && ({16'd0, rnd[15:0]} % 32'd1000 < bp);

    // Names of outcomes and read-back kinds (for messages).
    function [8*12-1:0] outcome_name;
        input [7:0] k;
        begin
            case (k)
                8'd0: outcome_name = "dropped";
                8'd1: outcome_name = "skipped";
                8'd2: outcome_name = "missed";
                8'd3: outcome_name = "won";
                8'd4: outcome_name = "end of tick";
                default: outcome_name = "?";
            endcase
        end
    endfunction

    function [8*16-1:0] kind_name;
        input [7:0] k;
        begin
            case (k)
                8'd1: kind_name = "ID register";
                8'd2: kind_name = "TICKS";
                8'd3: kind_name = "EVENTS";
                8'd4: kind_name = "DROPPED";
                8'd5: kind_name = "SKIPPED";
                8'd6: kind_name = "MISSED";
                8'd7: kind_name = "WON";
                8'd8: kind_name = "threshold";
                8'd9: kind_name = "weight";
                8'd10: kind_name = "trace";
                default: kind_name = "?";
            endcase
        end
    endfunction

    // ---- the sequencer ------------------------------------------------------------------------
    reg [31:0] n_cyc;          // cycles counted (clear, wait or busy)
    reg [31:0] op;             // output beats taken
    reg [31:0] outs;           // output beats expected from the input beats before this one
    reg [31:0] waits;          // cycles this input beat waited for the output register
    reg [31:0] tot_waits;      // and all of them

    wire [32:0] cur_in = in_mem[ip[{{IW_IN}}-1:0]];
    wire [103:0] exp_v = exp_mem[ip[{{IW_IN}}-1:0]];
    wire [7:0] exp_kind = exp_v[103:96];
    wire [31:0] exp_wait = exp_v[95:64];
    wire [31:0] exp_busy = exp_v[63:32];
    wire [31:0] exp_win = exp_v[31:0];
    wire [32:0] out_exp = out_mem[op[{{IW_OUT}}-1:0]];
    // an output beat taken at this edge, and one held in the register
    wire out_now = !rst && out_valid && out_ready;
    wire out_held = !rst && out_valid && !out_ready;
    // the input beat sends an output beat (a win, the end of the tick)
    wire emits = exp_kind == 8'd3 || exp_kind == 8'd4;
    // when the layer is idle again: the output beats taken so far and the one in the register
    // are the golden model's so far, and this input beat's is the one in the register
    wire [31:0] beats_now = op + {31'd0, out_valid} - outs;
    wire beat_ok = (beats_now == {31'd0, emits})
                 && (!emits || (out_valid && out_eot == (exp_kind == 8'd4)
                                && (exp_kind == 8'd4 || out_addr32 == exp_win)));

    initial begin
        n_cyc = 32'd0;         // S_CLEAR counts the trace clear from here
        op = 32'd0;
        outs = 32'd0;
        waits = 32'd0;
        tot_waits = 32'd0;
    end

    // `finished` is assigned with `=` on purpose: it stops a second FAIL line in the same cycle.
    /* verilator lint_off BLKSEQ */
    always @(posedge clk) if (!finished) begin
        cycle <= cycle + 64'd1;
        rnd <= xorshift32(rnd);
        quiet <= quiet + 32'd1;
        if (quiet > watchdog)
            `TB_FAIL(("FAIL: tick %0d: timeout, no progress for %0d cycles (testbench state %0d, input beat %0d)",
                      tick, quiet, state, ip))

        // out_ready of the next cycle: high while draining at the end, else the chain
        rnd_o <= xorshift32(rnd_o);
        if (state == S_DONE)
            out_ready <= 1'b1;
        else if (obp != 0)
            out_ready <= out_ready ? !(rnd_o % obp_mod < obp) : (rnd_o % oburst == 0);

        // every output beat taken, in order, whenever it is taken
        if (out_held)
            quiet <= 32'd0;
        if (out_now) begin
            quiet <= 32'd0;
            if (op >= N_OUT)
                `TB_FAIL(("FAIL: tick %0d: output beat %0d (eot %0d, address %0d) taken, but the golden model sends only %0d",
                          tick, op, out_eot, out_addr32, N_OUT))
            else if ({out_eot, out_addr32} != out_exp) begin
                if (out_exp[32])
                    `TB_FAIL(("FAIL: tick %0d: output beat %0d taken: expected the end of a tick, got eot %0d, address %0d",
                              tick, op, out_eot, out_addr32))
                else
                    `TB_FAIL(("FAIL: tick %0d: output beat %0d taken: expected a spike of neuron %0d, got eot %0d, address %0d",
                              tick, op, out_exp[31:0], out_eot, out_addr32))
            end
            op <= op + 32'd1;
        end

        case (state)
            S_RESET: hold_reset(S_CLEAR);
            S_CLEAR: begin
                if (!wb_stall) begin
                    if (n_cyc != CLEAR)
                        `TB_FAIL(("FAIL: the trace clear after reset took %0d cycles, the cycle model says %0d",
                                  n_cyc, CLEAR))
                    quiet <= 32'd0;
                    state <= S_ACT;
                end else begin
                    n_cyc <= n_cyc + 32'd1;
                end
            end
            S_ACT: begin
                quiet <= 32'd0;
                if (act_due) begin
                    ap <= ap + 32'd1;
                    act_write;
                end else if (tick == TICKS) begin
                    rb_at <= TICKS + 32'd1;
                    state <= S_RB;
                end else begin
                    state <= S_GAP;
                end
            end
            S_GAP: begin
                // a gap of random length before each input beat (+bp), then the offer
                if (!gap_in) begin
                    in_valid <= 1'b1;
                    {in_eot, in_addr} <= cur_in;
                    n_cyc <= 32'd0;
                    state <= S_OFFER;
                end
            end
            S_OFFER: begin
                if (in_ready) begin
                    quiet <= 32'd0;
                    in_valid <= 1'b0;
                    if (n_cyc != exp_wait)
                        `TB_FAIL(("FAIL: tick %0d, input beat %0d (address %0d): accepted after %0d cycles, the cycle model says %0d",
                                  tick, ip, in_addr, n_cyc, exp_wait))
                    n_cyc <= 32'd1;
                    waits <= 32'd0;
                    state <= S_BUSY;
                end else begin
                    n_cyc <= n_cyc + 32'd1;
                end
            end
            S_BUSY: begin
                if (!wb_stall) begin
                    quiet <= 32'd0;
                    if (!beat_ok) begin
                        if (exp_kind == 8'd3)
                            `TB_FAIL(("FAIL: tick %0d, input beat %0d (address %0d): expected a win of neuron %0d, got %0d output beats (output register: valid %0d, eot %0d, address %0d)",
                                      tick, ip, in_addr, exp_win, beats_now, out_valid, out_eot, out_addr32))
                        else
                            `TB_FAIL(("FAIL: tick %0d, input beat %0d (address %0d): expected %0s, got %0d output beats (output register: valid %0d, eot %0d, address %0d)",
                                      tick, ip, in_addr, outcome_name(exp_kind), beats_now, out_valid, out_eot, out_addr32))
                    end else if (n_cyc != exp_busy + waits) begin
                        `TB_FAIL(("FAIL: tick %0d, input beat %0d (address %0d, %0s): %0d cycles from acceptance to idle, the cycle model says %0d (%0d + %0d waiting for the output register)",
                                  tick, ip, in_addr, outcome_name(exp_kind), n_cyc, exp_busy + waits, exp_busy, waits))
                    end
                    ip <= ip + 32'd1;
                    outs <= outs + {31'd0, emits};
                    tot_waits <= tot_waits + waits;
                    if (exp_kind == 8'd3)
                        spikes <= spikes + 32'd1;
                    if (exp_kind == 8'd4) begin
                        if (verbose)
                            $display("tick %0d done: %0d input beats, %0d spikes so far", tick, ip + 32'd1, spikes);
                        tick <= tick + 32'd1;
                        rb_at <= tick + 32'd1;
                        state <= S_RB;
                    end else begin
                        state <= S_GAP;
                    end
                end else begin
                    // the beat's output waits in its last cycle by the model while the register
                    // holds an untaken beat, one cycle per consecutive such cycle
                    if (emits && n_cyc == exp_busy - 32'd1 + waits && out_held)
                        waits <= waits + 32'd1;
                    n_cyc <= n_cyc + 32'd1;
                end
            end
            S_WB: wb_wait;
            S_IDLE: wait_idle;      // a command the host write started (the clear) is done
            S_RB: read_back(4'hF);
            S_CMP: begin
                if (rdata != chk[31:0]) begin
                    if (chk_kind == 8'd9)
                        `TB_FAIL(("FAIL: after tick %0d: weight of neuron %0d at window position %0d (host address 0x%0h): expected %0d, got %0d",
                                  rb_tick, chk[95:72], chk[119:96], chk[63:32], chk[31:0], rdata))
                    else if (chk_kind == 8'd8 || chk_kind == 8'd10)
                        `TB_FAIL(("FAIL: after tick %0d: %0s[%0d] (host address 0x%0h): expected %0d, got %0d",
                                  rb_tick, kind_name(chk_kind), chk[95:72], chk[63:32], chk[31:0], rdata))
                    else
                        `TB_FAIL(("FAIL: after tick %0d: %0s (register %0d): expected %0d, got %0d",
                                  rb_tick, kind_name(chk_kind), chk[63:32], chk[31:0], rdata))
                end
                cp <= cp + 32'd1;
                state <= S_RB;
            end
            S_DONE: begin
                // out_ready is high from the next cycle on: the register drains
                if (ip != N_IN) begin
                    `TB_FAIL(("FAIL: %0d of %0d input beats run", ip, N_IN))
                end else if (out_valid) begin
                    quiet <= 32'd0;
                end else if (op != N_OUT) begin
                    `TB_FAIL(("FAIL: %0d of %0d output beats taken", op, N_OUT))
                end else begin
                    $display("PASS: {{TOP}}: %0d ticks, %0d input beats, %0d output spikes, %0d output beats taken, %0d values read back, %0d cycles (gaps %0d/1000, out_ready low %0d/1000 in runs of %0d, %0d cycles waiting for the output register, seed %0d)",
                             TICKS, N_IN, spikes, op, cp, cycle + 64'd1, bp, obp, oburst, tot_waits, seed);
                    finished = 1'b1;
                    $finish;
                end
            end
            default: begin
                `TB_FAIL(("FAIL: testbench state %0d", state))
            end
        endcase
    end

    /* verilator lint_on BLKSEQ */
`undef TB_FAIL  // (defined in tb_common.vh)

endmodule

`default_nettype wire
