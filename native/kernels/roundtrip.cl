// The minimal kernel of "roundtrip" jobs and of info's sync probe: one work-group of one work-item writes
// one value, so launching and waiting for it measures the bare cost of a synchronization mechanism.
// Arguments: (value, out [, doneCounter [, epoch, 1, 1, 1]]); out[0] = value. Needs common.cl prepended.
// Resident (svm-resident), the kernel is launched once, so the host leaves each execution's value in out[1]
// before it bumps the epoch.
__kernel __attribute__((reqd_work_group_size(1, 1, 1)))
void roundtrip(const int value, __global int* out COEXEC_SIGNAL_PARAM) {
  COEXEC_RESIDENT_BEGIN();
#ifdef COEXEC_RESIDENT
  out[0] = out[1];
#else
  out[0] = value;
#endif
  COEXEC_SIGNAL_DONE();
}
