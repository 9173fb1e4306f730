// LD_PRELOAD counter of the system calls that can send an IPI to every core running the process (issue 12:
// interrupts_probe.py saw ~1 function-call IPI per co-executed execution on each slice core). It interposes the
// libc wrappers ioctl, mmap, munmap, mprotect, madvise, mlock, munlock and syscall (through which membarrier is
// made), counts calls (syscall() by number), and prints the counts to the file named by SYSCOUNT_OUT at exit.
// A benchmark probe, not part of the engine. Build: gcc -O2 -shared -fPIC -o syscount.so syscount_preload.c -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/types.h>

static atomic_long counts[8];
static atomic_long bySyscall[512];
static const char* names[8] = {"ioctl", "mmap", "munmap", "mprotect", "madvise", "mlock", "munlock", "syscall"};

#define NEXT(ret, name, ...) \
  static ret (*real)(__VA_ARGS__); \
  if (!real) real = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

int ioctl(int fd, unsigned long req, ...) {
  va_list ap; va_start(ap, req); void* arg = va_arg(ap, void*); va_end(ap);
  NEXT(int, "ioctl", int, unsigned long, void*);
  atomic_fetch_add(&counts[0], 1);
  return real(fd, req, arg);
}
void* mmap(void* a, size_t l, int p, int f, int fd, off_t o) {
  NEXT(void*, "mmap", void*, size_t, int, int, int, off_t);
  atomic_fetch_add(&counts[1], 1);
  return real(a, l, p, f, fd, o);
}
int munmap(void* a, size_t l) { NEXT(int, "munmap", void*, size_t); atomic_fetch_add(&counts[2], 1); return real(a, l); }
int mprotect(void* a, size_t l, int p) { NEXT(int, "mprotect", void*, size_t, int); atomic_fetch_add(&counts[3], 1); return real(a, l, p); }
int madvise(void* a, size_t l, int v) { NEXT(int, "madvise", void*, size_t, int); atomic_fetch_add(&counts[4], 1); return real(a, l, v); }
int mlock(const void* a, size_t l) { NEXT(int, "mlock", const void*, size_t); atomic_fetch_add(&counts[5], 1); return real(a, l); }
int munlock(const void* a, size_t l) { NEXT(int, "munlock", const void*, size_t); atomic_fetch_add(&counts[6], 1); return real(a, l); }
long syscall(long n, ...) {
  va_list ap; va_start(ap, n);
  long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long), a4 = va_arg(ap, long), a5 = va_arg(ap, long),
       a6 = va_arg(ap, long);
  va_end(ap);
  NEXT(long, "syscall", long, ...);
  atomic_fetch_add(&counts[7], 1);
  if (n >= 0 && n < 512) atomic_fetch_add(&bySyscall[n], 1);
  return real(n, a1, a2, a3, a4, a5, a6);
}

__attribute__((destructor)) static void report(void) {
  const char* path = getenv("SYSCOUNT_OUT");
  FILE* f = path ? fopen(path, "w") : NULL;
  if (!f) return;
  for (int i = 0; i < 8; ++i) fprintf(f, "%s %ld\n", names[i], atomic_load(&counts[i]));
  for (int n = 0; n < 512; ++n)
    if (atomic_load(&bySyscall[n])) fprintf(f, "syscall#%d %ld\n", n, atomic_load(&bySyscall[n]));
  fclose(f);
}
