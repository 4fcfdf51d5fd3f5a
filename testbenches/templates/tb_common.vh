// tb_common.vh: what the exported self-checking testbenches share (array_tb.v, feast_tb.v).
// Copied beside them from testbenches/templates/tb_common.vh by `neurogen testbench`; do not
// edit, re-export. Verilog-2005, like them.
//
// Included inside the testbench module, after it declares the sizes AW (width of wb_adr), OB
// (width of out_addr), TICKS, N_ACT and N_CHK, the index widths IW_ACT and IW_CHK of act_mem
// and chk_mem, the parameters BP_DEFAULT, SEED_DEFAULT and WATCHDOG_DEFAULT, the memories
// act_mem and chk_mem, and its sequencer's states S_RESET, S_ACT, S_WB, S_IDLE, S_RB, S_CMP and
// S_DONE. It declares:
//  - the signals of the ports every generated top has (clock, reset, input and output stream,
//    Wishbone host port), and the clock: a period of 10 time units;
//  - the settings every testbench takes (+bp, +seed, +watchdog, +verbose; task read_settings),
//    the random word `rnd` and its generator xorshift32;
//  - the sequencer's registers every testbench has, with their values at time 0, and the
//    current host action `act` and read-back check `chk`;
//  - `TB_FAIL(args): the one FAIL line;
//  - the host: the reset after time 0, the host writes of act.hex and the read-backs of chk.hex
//    through the Wishbone port (tasks hold_reset, act_write, wb_wait, wait_idle, read_back).
// Every task is called from the sequencer's one clocked block and assigns with `<=`, as the
// block's own statements do.

    // ---- the ports every generated top has ----------------------------------------------------
    reg clk;
    reg rst;
    reg in_valid;
    wire in_ready;
    reg in_eot;
    reg [31:0] in_addr;
    wire out_valid;
    reg out_ready;
    wire out_eot;
    wire [OB-1:0] out_addr;
    reg wb_cyc;
    reg wb_stb;
    reg wb_we;
    reg [AW-1:0] wb_adr;
    reg [31:0] wb_dat_w;
    reg [3:0] wb_sel;
    wire [31:0] wb_dat_r;
    wire wb_ack;
    wire wb_stall;

    /* verilator lint_off BLKSEQ */
    initial clk = 1'b0;
    always #5 clk = ~clk;
    /* verilator lint_on BLKSEQ */

    // ---- settings -----------------------------------------------------------------------------
    integer bp;
    integer seed;
    integer watchdog;
    reg verbose;
    reg [31:0] rnd;
    reg finished;              // the PASS or FAIL line was printed

    // The settings from the plusargs or the defaults, and the generator's first word; a +bp out
    // of range is the FAIL line. Called first thing at time 0.
    task read_settings;
        begin
            finished = 1'b0;
            bp = BP_DEFAULT;
            seed = SEED_DEFAULT;
            watchdog = WATCHDOG_DEFAULT;
            if ($value$plusargs("bp=%d", bp)) begin end
            if ($value$plusargs("seed=%d", seed)) begin end
            if ($value$plusargs("watchdog=%d", watchdog)) begin end
            verbose = $test$plusargs("verbose") != 0;
            if (bp < 0 || bp > 999) begin
                $display("FAIL: +bp=%0d: the backpressure must be in 0..999 (1/1000)", bp);
                finished = 1'b1;
                $fatal(1, "bad plusarg");
            end
            rnd = (seed == 0) ? 32'h6d2b79f5 : seed;
        end
    endtask

    // xorshift32, a 32-bit linear-feedback generator: a new word every cycle.
    function [31:0] xorshift32;
        input [31:0] v;
        reg [31:0] t;
        begin
            t = v ^ (v << 13);
            t = t ^ (t >> 17);
            xorshift32 = t ^ (t << 5);
        end
    endfunction

    // ---- the sequencer's common registers -----------------------------------------------------
    reg [3:0] state;
    reg [3:0] after_wb;        // state after a Wishbone access
    reg [1:0] rst_left;        // cycles of rst still to hold
    reg [63:0] cycle;          // clock cycles since time 0
    reg [31:0] tick;           // tick being run (index into the stimulus)
    reg [31:0] ip;             // input beats done (index of the current or next one)
    reg [31:0] ap;             // next host action
    reg [31:0] cp;             // next read-back check
    reg [31:0] spikes;         // output spikes so far
    reg [31:0] quiet;          // cycles without progress
    reg [31:0] rdata;          // last Wishbone read
    reg [31:0] rb_at;          // ticks done at this read-back (TICKS + 1: the final one)

    /* verilator lint_off UNUSEDSIGNAL */ // address bits above AW, padding
    wire [103:0] act = act_mem[ap[IW_ACT-1:0]];
    wire [159:0] chk = chk_mem[cp[IW_CHK-1:0]];
    /* verilator lint_on UNUSEDSIGNAL */
    // the host action `act` comes before this tick (the last entry is the end marker)
    wire act_due = ap + 32'd1 < N_ACT && act[103:72] == tick;
    wire [7:0] chk_kind = chk[127:120];
    wire [31:0] chk_after = chk[159:128];
    wire [31:0] rb_tick = ((rb_at > TICKS) ? TICKS : rb_at) - 32'd1;
    wire [31:0] out_addr32 = {{(32 - OB){1'b0}}, out_addr};

    initial begin
        state = S_RESET;
        after_wb = S_ACT;
        rst = 1'b1;
        rst_left = 2'd2;
        in_valid = 1'b0;
        in_eot = 1'b0;
        in_addr = 32'd0;
        out_ready = 1'b1;
        wb_cyc = 1'b0;
        wb_stb = 1'b0;
        wb_we = 1'b0;
        wb_adr = {AW{1'b0}};
        wb_dat_w = 32'd0;
        wb_sel = 4'd0;
        cycle = 64'd0;
        tick = 32'd0;
        ip = 32'd0;
        ap = 32'd0;
        cp = 32'd0;
        spikes = 32'd0;
        quiet = 32'd0;
        rdata = 32'd0;
        rb_at = 32'd0;
    end

    // Print the one FAIL line (the first failure only) and stop with a non-zero exit status.
// (A block, so that `if (c) `TB_FAIL(...) else ...` pairs the `else` with `c`. The testbench
// undefines it at its end.)
`define TB_FAIL(args) \
    begin \
        if (!finished) begin \
            $display args; \
            finished = 1'b1; \
            $fatal(1, "self-check failed"); \
        end \
    end

    // ---- the host -----------------------------------------------------------------------------
    // S_RESET: hold rst until rst_left runs out, then go to `next`.
    task hold_reset;
        input [3:0] next;
        begin
            if (rst_left == 2'd0) begin
                rst <= 1'b0;
                state <= next;
            end else begin
                rst_left <= rst_left - 2'd1;
            end
        end
    endtask

    // Start a Wishbone access: a write (`we`) of `dat` or a read, of word `adr` with byte lanes
    // `sel`; the sequencer waits in S_WB (wb_wait), then goes to `next`.
    task wb_start;
        input we;
        input [3:0] sel;
        input [AW-1:0] adr;
        input [31:0] dat;
        input [3:0] next;
        begin
            wb_cyc <= 1'b1;
            wb_stb <= 1'b1;
            wb_we <= we;
            wb_sel <= sel;
            wb_adr <= adr;
            wb_dat_w <= dat;
            after_wb <= next;
            state <= S_WB;
        end
    endtask

    // S_ACT, a host write due (act_due): start it; then wait until the design is idle (S_IDLE).
    task act_write;
        wb_start(1'b1, 4'hF, act[32 +: AW], act[31:0], S_IDLE);
    endtask

    // S_WB: Wishbone B4 pipelined: the request is taken when wb_stall is low, the answer comes
    // with wb_ack in a later cycle.
    task wb_wait;
        begin
            if (wb_stb) begin
                if (!wb_stall)
                    wb_stb <= 1'b0;
            end else if (wb_ack) begin
                quiet <= 32'd0;
                rdata <= wb_dat_r;
                wb_cyc <= 1'b0;
                wb_we <= 1'b0;
                state <= after_wb;
            end
        end
    endtask

    // S_IDLE (after a host write) and the wait after reset: wait until the design accepts host
    // requests again (a command the write started is done), then go to S_ACT.
    task wait_idle;
        begin
            if (!wb_stall) begin
                quiet <= 32'd0;
                state <= S_ACT;
            end
        end
    endtask

    // S_RB: read the next check due at this read-back (`sel`: the reads' byte lanes), compared
    // in S_CMP; when none is left, S_DONE after the final read-back, else S_ACT.
    task read_back;
        input [3:0] sel;
        begin
            if (cp + 32'd1 >= N_CHK || chk_kind == 8'd0 || chk_after != rb_at)
                state <= (rb_at > TICKS) ? S_DONE : S_ACT;
            else
                wb_start(1'b0, sel, chk[32 +: AW], 32'd0, S_CMP);
        end
    endtask
