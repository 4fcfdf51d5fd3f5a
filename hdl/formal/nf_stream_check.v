// nf_stream_check: the valid/ready rules of one of neurogen's AER spike streams (a beat is
// `eot` and `addr`), for formal verification (Yosys `read_verilog -formal`; see
// hdl/tests/formal.rs); instantiated by nf_formal (nf_formal.v) on both streams.
//
// The rule (the usual valid/ready handshake, as documented in ARCHITECTURE.md): a beat is
// transferred in a cycle with valid & ready; once valid is high without ready, valid stays high
// and the beat (eot, addr) stays the same until it is transferred. A reset edge releases the
// producer from a pending beat.
//
// DRIVEN_BY_DUT = 0: the stream is the array's input (`in_*`): the rule is assumed of the
//   environment (the stimulus source); nothing else is assumed of it.
// DRIVEN_BY_DUT = 1: the stream is the array's output (`out_*`): output `bad` has one bit per
//   property (high in a cycle that breaks it, checked from the cycle after the first reset edge
//   on), `hit` one bit per cover (high in a cycle that reaches it):
//     S0 hold         a beat once valid stays valid with eot and addr stable until taken
//     S1 reset        valid is low in every cycle after a reset edge (no beat out of reset)
//     SC0 held_taken  a beat refused at least once (valid & !ready) is then taken (S0)
//     SC1 valid_reset valid is high in the first cycle of a reset (S1)
module nf_stream_check #(
    parameter W = 8,
    parameter DRIVEN_BY_DUT = 1
) (
    input wire clk,
    input wire rst,
    input wire valid,
    input wire ready,
    input wire eot,
    input wire [W-1:0] addr,
    output wire [1:0] bad,  // bit k: property Sk broken in this cycle (DRIVEN_BY_DUT = 1)
    output wire [1:0] hit   // bit k: cover SCk reached in this cycle (DRIVEN_BY_DUT = 1)
);
    reg f_past_valid = 1'b0;
    reg f_past_rst = 1'b0;
    reg f_seen_reset = 1'b0;
    reg f_past_pending = 1'b0;  // previous cycle: valid & !ready
    reg f_past_eot = 1'b0;
    reg [W-1:0] f_past_addr = {W{1'b0}};
    reg f_held = 1'b0;  // the current beat was refused at least once

    // the previous cycle offered a beat that was not taken, and no reset edge came between
    wire f_hold = f_past_valid & ~f_past_rst & f_past_pending;

    always @(posedge clk) begin
        f_past_valid <= 1'b1;
        f_past_rst <= rst;
        if (rst) f_seen_reset <= 1'b1;
        f_past_pending <= valid & ~ready;
        f_past_eot <= eot;
        f_past_addr <= addr;
        f_held <= valid & ~ready & ~rst;
    end

    generate
        if (DRIVEN_BY_DUT == 0) begin : g_assume
            always @* begin
                if (f_hold) assume (valid && eot == f_past_eot && addr == f_past_addr);
            end
        end
    endgenerate

    // each bit is high in a cycle that breaks the property / reaches the cover
    assign bad[0] = f_seen_reset & f_hold & ~(valid && eot == f_past_eot && addr == f_past_addr);
    assign bad[1] = f_past_valid & f_past_rst & valid;
    assign hit[0] = f_seen_reset & f_held & valid & ready;
    assign hit[1] = f_seen_reset & rst & valid;
endmodule
