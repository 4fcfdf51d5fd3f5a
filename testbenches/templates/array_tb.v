// Self-checking testbench of the generated array `{{TOP}}`.
// {{HEADER}}
// Filled in by `neurogen testbench` from testbenches/templates/array_tb.v; do not edit, re-export.
//
// Verilog-2005; runs unchanged under `iverilog -g2005` + `vvp` and `verilator --binary`
// (see run.sh). Every process is one synchronous state machine on the rising clock edge with
// non-blocking assignments, so no simulator-specific event ordering is involved.
//
// What it does, with the vectors the golden model wrote to vectors/:
//  1. holds `rst` for two cycles, then waits until the array accepts host requests (`wb_stall` low:
//     the clearing sweep is done);
//  2. before each tick, performs that tick's host actions (Wishbone writes, each followed by a wait
//     for the array to be idle again, or a pulse of `rst`) and turns backpressure on or off;
//  3. drives the tick's input beats and its end-of-tick beat (a beat is held until accepted), and
//     checks every output beat, spikes and end-of-tick, against the expected list; in a tick
//     without backpressure it also checks the cycle of every output beat against the cycle model;
//     a design with teach hardware (TEACH = 1) also gets the tick's teacher beats and the
//     teacher's end-of-tick beat on its teacher stream (teach_*), with the same gaps; a chain
//     whose output stream carries every layer's spikes (TAGGED = 1, `[network] output = "all"`)
//     has each spike's layer checked too (`out_layer`): in stream order without backpressure,
//     else each layer's spikes in that layer's order (backpressure changes how the layers'
//     beats interleave, not each layer's order);
//  4. after every tick, reads the counters, every neuron and trace state and some weights (all of
//     them every few ticks) through the Wishbone port and compares them with the golden model's
//     state after that tick; after the last tick and its host actions, every weight;
//  5. prints exactly one `PASS` or `FAIL` line. PASS ends with `$finish` (exit status 0), FAIL
//     with `$fatal` (vvp exits 1, a Verilator binary aborts): the exit status is non-zero.
//
// No `timescale: one clock period is 10 time units of whatever unit the simulator defaults to.
//
// Plusargs: +seed=S (backpressure generator seed), +bp=P (probability in 1/1000 of a gap before
// each input or teacher beat and of `out_ready` low in each cycle), +watchdog=C (cycles without progress
// before a timeout), +vcd (write tb.vcd; Verilator needs a --trace build), +verbose (one line per
// tick).
`default_nettype none

module {{TB}};

    // ---- sizes and files, filled in by neurogen ---------------------------------------------
    localparam integer TICKS = {{TICKS}};       // ticks of the stimulus
    localparam integer N_IN = {{N_IN}};         // input beats, end-of-tick beats included
    localparam integer TEACH = {{TEACH}};       // 1: the design has a teacher stream (teach_*)
    localparam integer N_TEACH = {{N_TEACH}};   // teacher beats, end-of-tick beats included (1 without)
    localparam integer N_OUT = {{N_OUT}};       // expected output beats, end-of-tick beats included
    localparam integer N_ACT = {{N_ACT}};       // host actions, plus one end marker
    localparam integer N_CHK = {{N_CHK}};       // read-back checks, plus one end marker
    localparam integer IW_ACT = {{IW_ACT}};     // index bits of act_mem
    localparam integer IW_CHK = {{IW_CHK}};     // index bits of chk_mem
    localparam integer AW = {{AW}};             // width of wb_adr
    localparam integer OB = {{OB}};             // width of out_addr
    localparam integer TAGGED = {{TAGGED}};     // 1: out_layer tags each output beat with its layer
    localparam integer LW = {{LW}};             // width of out_layer (1 when TAGGED = 0)
    parameter integer BP_DEFAULT = {{BP}};      // backpressure, 1/1000
    parameter integer SEED_DEFAULT = {{SEED}};
    parameter integer WATCHDOG_DEFAULT = {{WATCHDOG}};

    // Vector formats (one hex word per line, written by the golden model):
    //  in:  {eot[32], addr[31:0]}                                   one per input beat
    //  teach: {eot[32], addr[31:0]}                                 one per teacher beat (TEACH = 1)
    //  out: {layer[71:64], eot[63], cycle[62:32], addr[31:0]}       one per expected output beat;
    //       cycle counts from the tick's cycle 0 (the first idle cycle with in_valid high);
    //       layer (TAGGED = 1 only, else absent: 16 hex digits) is the beat's out_layer
    //  act: {tick[103:72], kind[71:64], addr[63:32], data[31:0]}    kind 1 write, 2 rst pulse,
    //       3 backpressure off (data 0) or on (data 1) from this tick on; the end marker has
    //       tick = 32'hFFFFFFFF
    //  chk: {after[159:128], kind[127:120], j[119:96], i[95:72], addr[63:32], word[31:0]}
    //       read when `after` ticks are done (TICKS + 1: at the end); kind 0 ends the list
    reg [32:0] in_mem [0:N_IN-1];
    reg [32:0] teach_mem [0:N_TEACH-1];
    reg [71:0] out_mem [0:N_OUT-1];
    reg [103:0] act_mem [0:N_ACT-1];
    reg [159:0] chk_mem [0:N_CHK-1];

    // ---- the sequencer's states ----------------------------------------------------------------
    localparam [3:0] S_RESET = 4'd0, S_READY = 4'd1, S_ACT = 4'd2, S_TICK = 4'd3,
                     S_WB = 4'd4, S_IDLE = 4'd5, S_RB = 4'd6, S_CMP = 4'd7, S_DONE = 4'd8;

    // the ports, the clock, the settings, the sequencer's common registers and the host
`include "tb_common.vh"

    // ---- the array ----------------------------------------------------------------------------
    wire [LW-1:0] out_layer;
    reg teach_valid;
    wire teach_ready;
    reg teach_eot;
    /* verilator lint_off UNUSEDSIGNAL */ // read by the array only when TEACH = 1
    reg [31:0] teach_addr;
    /* verilator lint_on UNUSEDSIGNAL */

    // a network of layers' chain top also has the monitor outputs lK_valid, lK_eot, lK_addr of
    // its hidden layers, left open here. The teacher stream and the output's layer tag are
    // connected only when the design has them (a branch not taken is not elaborated, so its
    // ports need not exist).
`define NF_TOP {{TOP}}
    /* verilator lint_off PINMISSING */
    /* verilator lint_off PINNOTFOUND */
    generate
        if (TEACH != 0 && TAGGED != 0) begin : g_teach_tagged
`define NF_TEACH
`define NF_TAGGED
`include "nf_dut.vh"
`undef NF_TAGGED
`undef NF_TEACH
        end else if (TEACH != 0) begin : g_teach
`define NF_TEACH
`include "nf_dut.vh"
`undef NF_TEACH
            assign out_layer = {LW{1'b0}};
        end else if (TAGGED != 0) begin : g_tagged
`define NF_TAGGED
`include "nf_dut.vh"
`undef NF_TAGGED
            assign teach_ready = 1'b0;
        end else begin : g_plain
`include "nf_dut.vh"
            assign teach_ready = 1'b0;
            assign out_layer = {LW{1'b0}};
        end
    endgenerate
    /* verilator lint_on PINNOTFOUND */
    /* verilator lint_on PINMISSING */
`undef NF_TOP

    /* verilator lint_off BLKSEQ */
    initial begin
        read_settings;
        if ($test$plusargs("vcd")) begin
            $dumpfile("tb.vcd");
            $dumpvars(0, {{TB}});
        end
        $readmemh("{{IN_FILE}}", in_mem);
        if (TEACH != 0)
            $readmemh("{{TEACH_FILE}}", teach_mem);
        else
            teach_mem[0] = 33'd0;
        $readmemh("{{OUT_FILE}}", out_mem);
        $readmemh("{{ACT_FILE}}", act_mem);
        $readmemh("{{CHK_FILE}}", chk_mem);
    end
    /* verilator lint_on BLKSEQ */

    // the random word `rnd`: its low half decides the input gaps, the high half `out_ready`, the
    // middle bits the teacher's gaps
    reg bp_on;                 // backpressure applies to this tick (act kind 3)
    wire [31:0] bp_now = bp_on ? bp : 32'd0;
    wire gap_in = (bp_now != 0) && ({16'd0, rnd[15:0]} % 32'd1000 < bp_now);
    wire stall_out = (bp_now != 0) && ({16'd0, rnd[31:16]} % 32'd1000 < bp_now);
    wire gap_teach = (bp_now != 0) && ({16'd0, rnd[23:8]} % 32'd1000 < bp_now);

    // Name of a read-back check kind (for messages).
    function [8*16-1:0] kind_name;
        input [7:0] k;
        begin
            case (k)
                8'd1: kind_name = "ID register";
                8'd2: kind_name = "dropped counter";
                8'd3: kind_name = "tick count low";
                8'd4: kind_name = "tick count high";
                8'd5: kind_name = "v";
                8'd6: kind_name = "refractory";
                8'd7: kind_name = "theta";
                8'd8: kind_name = "y";
                8'd9: kind_name = "x";
                8'd10: kind_name = "weight";
                8'd11: kind_name = "u";
                8'd12: kind_name = "teacher dropped";
                8'd13: kind_name = "teach mode";
                default: kind_name = "?";
            endcase
        end
    endfunction

    // ---- the sequencer ------------------------------------------------------------------------
    reg [31:0] tp;             // next teacher beat
    reg [31:0] op;             // next expected output beat
    reg [31:0] beat;           // output beats of this tick so far
    reg in_done;               // this tick's end-of-tick beat was accepted
    reg teach_done;            // this tick's teacher end-of-tick beat was accepted (or no teacher)
    reg t_started;             // this tick's cycle 0 has passed
    reg [31:0] t_cycle;        // this cycle's index within the tick (when t_started)

    wire [31:0] ip1 = ip + 32'd1;
    wire [31:0] tp1 = tp + 32'd1;
    wire [31:0] cur = t_started ? t_cycle : 32'd0;
    wire [31:0] out_layer32 = {{(32 - LW){1'b0}}, out_layer};
    // the expected beat an output beat is compared with (set in the checking block)
    reg [31:0] exp_at;         // its index in out_mem (N_OUT: none)
    reg [71:0] exp_out;
    reg exp_eot;
    reg [31:0] exp_cyc;
    reg [31:0] exp_addr;
    reg [31:0] exp_layer;
    reg [31:0] obase;          // index in out_mem of this tick's first expected beat
    reg [31:0] lseen [0:(1 << LW)-1];  // TAGGED: spikes of each layer so far this tick
    integer li;

    // TAGGED = 1: index of layer `l`'s spike number `n` (from 0) among the tick's expected beats
    // from `from` (the tick's first) to its end-of-tick beat; N_OUT when there is none.
    function [31:0] layer_beat;
        input [31:0] from;
        input [31:0] l;
        input [31:0] n;
        reg [31:0] i;
        reg [31:0] c;
        reg stop;
        reg [8:0] e;               // {layer, eot} of a beat
        begin
            layer_beat = N_OUT;
            c = 32'd0;
            stop = 1'b0;
            for (i = from; i < N_OUT && !stop; i = i + 32'd1) begin
                e = out_mem[i[{{IW_OUT}}-1:0]][71:63];
                if (e[0]) begin
                    stop = 1'b1;
                end else if ({24'd0, e[8:1]} == l) begin
                    if (c == n) begin
                        layer_beat = i;
                        stop = 1'b1;
                    end
                    c = c + 32'd1;
                end
            end
        end
    endfunction

    initial begin
        teach_valid = 1'b0;
        teach_eot = 1'b0;
        teach_addr = 32'd0;
        tp = 32'd0;
        op = 32'd0;
        beat = 32'd0;
        in_done = 1'b0;
        teach_done = 1'b0;
        t_started = 1'b0;
        t_cycle = 32'd0;
        bp_on = 1'b1;
        obase = 32'd0;
        exp_at = 32'd0;
        exp_out = 72'd0;
        exp_eot = 1'b0;
        exp_cyc = 32'd0;
        exp_addr = 32'd0;
        exp_layer = 32'd0;
        for (li = 0; li < (1 << LW); li = li + 1)
            lseen[li] = 32'd0;
    end

    // `finished` is assigned with `=` on purpose: it stops a second FAIL line in the same cycle.
    /* verilator lint_off BLKSEQ */
    always @(posedge clk) if (!finished) begin
        cycle <= cycle + 64'd1;
        rnd <= xorshift32(rnd);
        out_ready <= !stall_out;
        quiet <= quiet + 32'd1;
        if (quiet > watchdog)
            `TB_FAIL(("FAIL: tick %0d: timeout, no progress for %0d cycles (testbench state %0d, input beat %0d, teacher beat %0d, output beat %0d)",
                      tick, quiet, state, ip, tp, op))

        // Output beats: only a tick may produce them, in the expected order. The expected beat:
        // the next in stream order, or (TAGGED, backpressure) the next spike of the beat's layer.
        if (TAGGED != 0 && bp_now != 0 && !out_eot)
            exp_at = layer_beat(obase, out_layer32, lseen[out_layer]);
        else
            exp_at = op;
        exp_out = out_mem[exp_at[{{IW_OUT}}-1:0]];
        exp_eot = exp_out[63];
        exp_cyc = {1'b0, exp_out[62:32]};
        exp_addr = exp_out[31:0];
        exp_layer = {24'd0, exp_out[71:64]};
        if (!rst && out_valid && out_ready) begin
            quiet <= 32'd0;
            if (state != S_TICK || op >= N_OUT) begin
                `TB_FAIL(("FAIL: tick %0d: unexpected output beat (eot %0d, address %0d) outside a tick",
                          tick, out_eot, out_addr))
            end else if (exp_at >= N_OUT) begin
                `TB_FAIL(("FAIL: tick %0d: output beat %0d: spike %0d of layer %0d, but layer %0d has only %0d spikes in this tick",
                          tick, beat, out_addr, out_layer, out_layer, lseen[out_layer]))
            end else if (TAGGED != 0 && !out_eot && !exp_eot
                         && (out_layer32 != exp_layer || out_addr32 != exp_addr)) begin
                `TB_FAIL(("FAIL: tick %0d: output beat %0d: expected spike %0d of layer %0d, got spike %0d of layer %0d",
                          tick, beat, exp_addr, exp_layer, out_addr, out_layer))
            end else if (out_eot != exp_eot || (!exp_eot && out_addr32 != exp_addr)) begin
                if (exp_eot)
                    `TB_FAIL(("FAIL: tick %0d: output beat %0d: expected end-of-tick, got spike %0d",
                              tick, beat, out_addr))
                else if (out_eot)
                    `TB_FAIL(("FAIL: tick %0d: output beat %0d: expected spike %0d, got end-of-tick",
                              tick, beat, exp_addr))
                else
                    `TB_FAIL(("FAIL: tick %0d: output beat %0d: expected spike %0d, got spike %0d",
                              tick, beat, exp_addr, out_addr))
            end else if (bp_now == 0 && cur != exp_cyc) begin
                if (exp_eot)
                    `TB_FAIL(("FAIL: tick %0d: end-of-tick beat in cycle %0d (a tick of %0d cycles), the cycle model says cycle %0d",
                              tick, cur, cur + 32'd1, exp_cyc))
                else
                    `TB_FAIL(("FAIL: tick %0d: output beat %0d (spike %0d) in cycle %0d, the cycle model says cycle %0d",
                              tick, beat, exp_addr, cur, exp_cyc))
            end else if (exp_eot && !in_done) begin
                `TB_FAIL(("FAIL: tick %0d: end-of-tick output before the end-of-tick input beat was accepted",
                          tick))
            end else if (exp_eot && !teach_done) begin
                `TB_FAIL(("FAIL: tick %0d: end-of-tick output before the teacher's end-of-tick beat was accepted",
                          tick))
            end else begin
                op <= op + 32'd1;
                if (exp_eot) begin
                    if (verbose)
                        $display("tick %0d: %0d spikes, %0d cycles", tick, beat, cur + 32'd1);
                    beat <= 32'd0;
                    obase <= op + 32'd1;
                    for (li = 0; li < (1 << LW); li = li + 1)
                        lseen[li] <= 32'd0;
                    tick <= tick + 32'd1;
                    t_started <= 1'b0;
                    rb_at <= tick + 32'd1;
                    state <= S_RB;
                end else begin
                    beat <= beat + 32'd1;
                    spikes <= spikes + 32'd1;
                    lseen[out_layer] <= lseen[out_layer] + 32'd1;
                end
            end
        end

        case (state)
            S_RESET: hold_reset(S_READY);
            S_READY: wait_idle;     // the clearing sweep after reset
            S_ACT: begin
                quiet <= 32'd0;
                if (act_due) begin
                    ap <= ap + 32'd1;
                    if (act[71:64] == 8'd3) begin
                        bp_on <= act[0];
                    end else if (act[71:64] == 8'd2) begin
                        rst <= 1'b1;
                        rst_left <= 2'd1;
                        state <= S_RESET;
                    end else begin
                        act_write;
                    end
                end else if (tick == TICKS) begin
                    rb_at <= TICKS + 32'd1;
                    state <= S_RB;
                end else begin
                    in_done <= 1'b0;
                    teach_done <= TEACH == 0;
                    state <= S_TICK;
                end
            end
            S_TICK: begin
                // the tick's cycle 0: the first cycle the array is idle with in_valid high
                if (t_started)
                    t_cycle <= t_cycle + 32'd1;
                else if (in_valid && !wb_stall) begin
                    t_started <= 1'b1;
                    t_cycle <= 32'd1;
                end
                // input beats, each held until accepted; a gap before a beat when gap_in
                if (in_valid && in_ready) begin
                    quiet <= 32'd0;
                    ip <= ip1;
                    if (in_eot) begin
                        in_done <= 1'b1;
                        in_valid <= 1'b0;
                    end else if (!gap_in) begin
                        {in_eot, in_addr} <= in_mem[ip1[{{IW_IN}}-1:0]];
                    end else begin
                        in_valid <= 1'b0;
                    end
                end else if (!in_valid && !in_done && !gap_in) begin
                    in_valid <= 1'b1;
                    {in_eot, in_addr} <= in_mem[ip[{{IW_IN}}-1:0]];
                end
                // teacher beats (TEACH = 1), the same way
                if (teach_valid && teach_ready) begin
                    quiet <= 32'd0;
                    tp <= tp1;
                    if (teach_eot) begin
                        teach_done <= 1'b1;
                        teach_valid <= 1'b0;
                    end else if (!gap_teach) begin
                        {teach_eot, teach_addr} <= teach_mem[tp1[{{IW_TEACH}}-1:0]];
                    end else begin
                        teach_valid <= 1'b0;
                    end
                end else if (!teach_valid && !teach_done && !gap_teach) begin
                    teach_valid <= 1'b1;
                    {teach_eot, teach_addr} <= teach_mem[tp[{{IW_TEACH}}-1:0]];
                end
            end
            S_WB: wb_wait;
            S_IDLE: wait_idle;      // a command the host write started is done
            S_RB: read_back(4'h0);
            S_CMP: begin
                if (rdata != chk[31:0]) begin
                    if (chk_kind == 8'd10)
                        `TB_FAIL(("FAIL: after tick %0d: weight[j=%0d][i=%0d] (host address 0x%0h): expected %0d, got %0d",
                                  rb_tick, chk[119:96], chk[95:72], chk[63:32], $signed(chk[31:0]),
                                  $signed(rdata)))
                    else if (chk_kind >= 8'd5 && chk_kind <= 8'd11)
                        `TB_FAIL(("FAIL: after tick %0d: %0s[%0d] (host address 0x%0h): expected %0d, got %0d",
                                  rb_tick, kind_name(chk_kind), chk[95:72], chk[63:32],
                                  $signed(chk[31:0]), $signed(rdata)))
                    else
                        `TB_FAIL(("FAIL: after tick %0d: %0s (register %0d): expected %0d, got %0d",
                                  rb_tick, kind_name(chk_kind), chk[63:32], chk[31:0], rdata))
                end
                cp <= cp + 32'd1;
                state <= S_RB;
            end
            S_DONE: begin
                if (op != N_OUT || ip != N_IN || (TEACH != 0 && tp != N_TEACH)) begin
                    `TB_FAIL(("FAIL: after tick %0d: %0d of %0d input beats, %0d of %0d teacher beats and %0d of %0d output beats seen",
                              TICKS - 1, ip, N_IN, tp, TEACH != 0 ? N_TEACH : 0, op, N_OUT))
                end else begin
                    $display("PASS: {{TOP}}: %0d ticks, %0d input beats, %0d output spikes, %0d values read back, %0d cycles (backpressure %0d/1000, seed %0d)",
                             TICKS, N_IN, spikes, cp, cycle + 64'd1, bp, seed);
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
