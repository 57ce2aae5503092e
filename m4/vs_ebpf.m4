# VS_CHECK_EBPF: the eBPF counting method (countMethod ebpf) needs libbpf to
# load its program, clang to compile it for the BPF target and bpftool to
# make its skeleton. Built when all three are found, unless --disable-ebpf;
# without them vsacctd builds with the pcap method alone (vsacctd -V says
# which). --enable-ebpf makes their absence an error.
AC_DEFUN([VS_CHECK_EBPF], [
  AC_ARG_ENABLE([ebpf],
    [AS_HELP_STRING([--disable-ebpf], [build without the eBPF counting method (default: with it when libbpf, clang and bpftool are found)])],
    [], [enable_ebpf=auto])
  vs_ebpf=no
  AS_IF([test "x$enable_ebpf" != xno], [
    PKG_CHECK_MODULES([BPF], [libbpf >= 0.8], [vs_ebpf=yes], [vs_ebpf=no])
    AC_PATH_PROG([CLANG], [clang])
    AC_PATH_PROG([BPFTOOL], [bpftool], [], [$PATH:/usr/sbin:/sbin])
    AS_IF([test -z "$CLANG" || test -z "$BPFTOOL"], [vs_ebpf=no])
    AS_IF([test "x$vs_ebpf" = xyes], [
      AC_MSG_CHECKING([whether $CLANG compiles for the BPF target])
      echo 'int x;' >conftest.bpf.c
      AS_IF([$CLANG -target bpf -c conftest.bpf.c -o conftest.bpf.o >&AS_MESSAGE_LOG_FD 2>&1],
        [AC_MSG_RESULT([yes])], [AC_MSG_RESULT([no]); vs_ebpf=no])
      rm -f conftest.bpf.c conftest.bpf.o
    ])
    AS_IF([test "x$enable_ebpf" = xyes && test "x$vs_ebpf" != xyes],
      [AC_MSG_ERROR([--enable-ebpf: libbpf-dev, clang and bpftool are needed])])
  ])
  # The BPF program includes <asm/...> headers, which Debian keeps under the
  # host's multiarch directory.
  AC_SUBST([BPF_ARCH_INCLUDE], [/usr/include/`$CC -dumpmachine 2>/dev/null`])
  AC_MSG_CHECKING([whether to build the eBPF counting method])
  AC_MSG_RESULT([$vs_ebpf])
  AM_CONDITIONAL([EBPF], [test "x$vs_ebpf" = xyes])
])
