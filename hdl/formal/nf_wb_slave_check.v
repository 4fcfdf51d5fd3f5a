// nf_wb_slave_check: the Wishbone B4 pipelined-slave rules that neurogen's host port must keep,
// written for formal verification (Yosys `read_verilog -formal`, proved with yosys-abc `pdr`;
// see hdl/tests/formal.rs). Written from the Wishbone B4 specification and ARCHITECTURE.md
// "Host port"; instantiated next to the array by nf_formal (nf_formal.v).
//
// The master is not constrained at all: any behaviour of wb_cyc / wb_stb / wb_we / wb_adr /
// wb_dat_w / wb_sel is allowed, including dropping wb_cyc with a request outstanding (an abort,
// allowed by B4) and keeping wb_cyc high through a reset. `rst` is free in every cycle; the
// properties that count requests hold from the cycle after the first reset edge on (before it
// the slave's registers are undefined); P0 holds from power-up.
//
// Bookkeeping: a request is accepted in a cycle with wb_cyc & wb_stb & !wb_stall and rst low
// (B4 3.00: a reset initialises the interface on the next edge, so a request met by a reset edge
// is not outstanding). Outstanding requests are forgotten when wb_cyc is low (B4: negating
// CYC_O ends the cycle) or at a reset edge; an acknowledge retires one.
//
// The checker only observes: output `bad` has one bit per property, high in a cycle that breaks
// it; output `hit` one bit per cover, high in a cycle that reaches it. nf_formal (nf_formal.v)
// makes them the bad-state properties of the model: a proof shows a bit is never high, a bounded
// model checker reaching a cover bit shows the property it belongs to is not vacuous.
//   P0 ack_cyc          wb_ack only while wb_cyc is high (a slave responds only inside a bus
//                       cycle; a master that dropped wb_cyc must not see a stale ack), from
//                       power-up on
//   P1 ack_reset        wb_ack low in every cycle after a reset edge: during reset and in the
//                       cycle after it (B4 rule 3.00)
//   P2 ack_outstanding  wb_ack only for an outstanding request: none for an aborted access,
//                       none after a reset, at most one per request
//   P3 stall_one        one request at a time (ARCHITECTURE.md "Host port"): wb_stall is high
//                       while wb_cyc is high with a request outstanding and not acknowledged
//                       in this cycle
//   P4 ack_latency      an outstanding request is acknowledged at most ACK_MAX cycles after the
//                       cycle that accepted it (the bound comes from the generator)
//   C0 ack              an access is acknowledged (P0, P2)
//   C1 reset_access     a reset during an outstanding access, then a later access acknowledged
//   C2 abort_new        an access aborted (wb_cyc dropped with a request outstanding), then a
//                       new access acknowledged (P2 on the case of the stale ack)
//   C3 stall_busy       the master presents a second request while one is outstanding (P3)
//   C4 latency_max      an acknowledge exactly ACK_MAX cycles after acceptance: the bound of P4
//                       is tight
//   C5 ack_in_reset     wb_ack high in the first cycle of a reset: an access was being
//                       acknowledged when the reset came (P1)
module nf_wb_slave_check #(
    parameter ACK_MAX = 16
) (
    input wire clk,
    input wire rst,
    input wire wb_cyc,
    input wire wb_stb,
    input wire wb_ack,
    input wire wb_stall,
    output wire [4:0] bad,  // bit k: property Pk broken in this cycle
    output wire [5:0] hit   // bit k: cover Ck reached in this cycle
);
    localparam AGEW = 8;  // ACK_MAX < 255
    localparam [AGEW-1:0] AGE_MAX = ACK_MAX[AGEW-1:0];

    reg f_past_valid = 1'b0;  // a previous cycle exists
    reg f_past_rst = 1'b0;    // rst was high in the previous cycle
    reg f_seen_reset = 1'b0;  // some previous cycle had rst high
    reg [1:0] f_out = 2'd0;   // requests outstanding
    reg [AGEW-1:0] f_age = {AGEW{1'b0}};  // cycles since the outstanding request was accepted
    reg f_reset_in_access = 1'b0;  // a reset came while an access was outstanding
    reg f_aborted = 1'b0;          // wb_cyc fell while an access was outstanding

    wire f_accept = wb_cyc & wb_stb & ~wb_stall & ~rst;
    wire f_busy = f_seen_reset & (f_out != 2'd0);

    always @(posedge clk) begin
        f_past_valid <= 1'b1;
        f_past_rst <= rst;
        if (rst) f_seen_reset <= 1'b1;
        if (rst || !wb_cyc) f_out <= 2'd0;
        else f_out <= f_out + {1'b0, f_accept} - {1'b0, wb_ack};
        if (rst || !wb_cyc) f_age <= {AGEW{1'b0}};
        else if (f_accept) f_age <= {{(AGEW - 1) {1'b0}}, 1'b1};
        else if (f_out != 2'd0 && f_age != {AGEW{1'b1}}) f_age <= f_age + 1'b1;
        if (rst && f_busy) f_reset_in_access <= 1'b1;
        if (!rst && !wb_cyc && f_busy) f_aborted <= 1'b1;
    end

    // each bit is high in a cycle that breaks the property / reaches the cover
    assign bad[0] = wb_ack & ~wb_cyc;
    assign bad[1] = f_past_valid & f_past_rst & wb_ack;
    assign bad[2] = f_seen_reset & wb_ack & (f_out == 2'd0);
    assign bad[3] = f_busy & wb_cyc & ~wb_ack & ~wb_stall;
    assign bad[4] = f_busy & (f_age > AGE_MAX);
    assign hit[0] = f_seen_reset & wb_ack;
    assign hit[1] = f_reset_in_access & f_busy & wb_ack;
    assign hit[2] = f_aborted & f_busy & wb_ack;
    assign hit[3] = f_busy & ~wb_ack & wb_cyc & wb_stb;
    assign hit[4] = f_busy & wb_ack & (f_age == AGE_MAX);
    assign hit[5] = f_seen_reset & rst & wb_ack;
endmodule
