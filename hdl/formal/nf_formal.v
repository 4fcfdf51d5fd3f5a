// nf_formal: the formal harness of a generated array. It instantiates the array (nf_dut.vh, read
// from this file's folder; its module name is the macro NF_TOP, given with
// `read_verilog -DNF_TOP=<name>`) with every input free,
// and checks its ports with nf_wb_slave_check (host port) and nf_stream_check (input stream
// assumed, output stream checked). hdl/tests/formal.rs sets the parameters from the generated
// design's manifest (address and neuron-address widths, the acknowledge bound) and writes two
// AIGER models, each with one of the outputs below as its outputs (one property per bit):
//   bad: P0..P4 of nf_wb_slave_check, then S0..S1 of the output stream (proved by pdr)
//   hit: C0..C5 of nf_wb_slave_check, then SC0..SC1 of the output stream (reached by bmc3)
// The input stream's rule is the only assumption: nothing is assumed of the Wishbone master,
// of out_ready or of rst (free in every cycle; the power-up state is undefined).
module nf_formal #(
    parameter AW = 8,
    parameter NB = 4,
    parameter ACK_MAX = 16
) (
    input wire clk,
    input wire rst,
    input wire in_valid,
    input wire in_eot,
    input wire [31:0] in_addr,
    input wire out_ready,
    input wire wb_cyc,
    input wire wb_stb,
    input wire wb_we,
    input wire [AW-1:0] wb_adr,
    input wire [31:0] wb_dat_w,
    input wire [3:0] wb_sel,
    output wire [6:0] bad,
    output wire [7:0] hit
);
    wire in_ready;
    wire out_valid;
    wire out_eot;
    wire [NB-1:0] out_addr;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] wb_dat_r;
    wire [1:0] in_bad;
    wire [1:0] in_hit;
    /* verilator lint_on UNUSEDSIGNAL */
    wire wb_ack;
    wire wb_stall;
    wire [4:0] wb_bad;
    wire [5:0] wb_hit;
    wire [1:0] out_bad;
    wire [1:0] out_hit;

    // the array, every port connected to the signal of the same name
`include "nf_dut.vh"

    nf_wb_slave_check #(
        .ACK_MAX(ACK_MAX)
    ) wb_check (
        .clk(clk),
        .rst(rst),
        .wb_cyc(wb_cyc),
        .wb_stb(wb_stb),
        .wb_ack(wb_ack),
        .wb_stall(wb_stall),
        .bad(wb_bad),
        .hit(wb_hit)
    );

    nf_stream_check #(
        .W(32),
        .DRIVEN_BY_DUT(0)
    ) in_check (
        .clk(clk),
        .rst(rst),
        .valid(in_valid),
        .ready(in_ready),
        .eot(in_eot),
        .addr(in_addr),
        .bad(in_bad),
        .hit(in_hit)
    );

    nf_stream_check #(
        .W(NB),
        .DRIVEN_BY_DUT(1)
    ) out_check (
        .clk(clk),
        .rst(rst),
        .valid(out_valid),
        .ready(out_ready),
        .eot(out_eot),
        .addr(out_addr),
        .bad(out_bad),
        .hit(out_hit)
    );

    assign bad = {out_bad, wb_bad};
    assign hit = {out_hit, wb_hit};
endmodule
