/* wasmbench native timing wrapper: the workload's renamed main (see timing.c).
 *
 * C and C++ workloads are compiled with -Dmain=wasmbench_workload_main -include
 * native/timing.h: in C++ this earlier extern "C" declaration gives the renamed main
 * C linkage, so timing.c (plain C) can call it. Workloads take no arguments (the
 * workload contract forbids reading args).
 */
#ifndef WASMBENCH_TIMING_H
#define WASMBENCH_TIMING_H
#ifdef __cplusplus
extern "C"
#endif
int wasmbench_workload_main(void);
#endif
