// nf_dut.vh: the instance `dut` of a generated top (an array, a network of layers' chain top or
// a FEAST layer), its module name the macro NF_TOP, every port connected to the signal of the
// same name, which the including module declares. With the macro NF_TEACH defined the
// teacher stream (teach_*) is connected too, with NF_TAGGED the output's layer tag (out_layer);
// a chain top's monitor outputs (lK_*) are left open. Included by the formal harness
// nf_formal.v and by the exported testbenches (testbenches/templates/*_tb.v), which is why it
// is a file of its own (hdl::DUT_VH).
    `NF_TOP dut (
        .clk(clk),
        .rst(rst),
        .in_valid(in_valid),
        .in_ready(in_ready),
        .in_eot(in_eot),
        .in_addr(in_addr),
`ifdef NF_TEACH
        .teach_valid(teach_valid),
        .teach_ready(teach_ready),
        .teach_eot(teach_eot),
        .teach_addr(teach_addr),
`endif
        .out_valid(out_valid),
        .out_ready(out_ready),
        .out_eot(out_eot),
        .out_addr(out_addr),
`ifdef NF_TAGGED
        .out_layer(out_layer),
`endif
        .wb_cyc(wb_cyc),
        .wb_stb(wb_stb),
        .wb_we(wb_we),
        .wb_adr(wb_adr),
        .wb_dat_w(wb_dat_w),
        .wb_sel(wb_sel),
        .wb_dat_r(wb_dat_r),
        .wb_ack(wb_ack),
        .wb_stall(wb_stall)
    );
