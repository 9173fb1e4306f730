// The minimal kernel of "roundtrip" jobs and of info's sync probe: one work-group of one work-item writes
// one value, so launching and waiting for it measures the bare cost of a synchronization mechanism.
// Arguments: (value, out [, doneCounter]); out[0] = value. Needs common.cl prepended.
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void roundtrip(const int value, __global int* out COEXEC_SIGNAL_PARAM) {
  out[0] = value;
  COEXEC_SIGNAL_DONE();
}
