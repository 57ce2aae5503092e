# VS_CHECK_LIBPCAP / VS_CHECK_CUNIT: pkg-config first, then a plain library
# search for installs that ship no .pc file. Each sets <NAME>_CFLAGS/_LIBS,
# which only the targets that need them use: the global LIBS stays as it was.
AC_DEFUN([VS_CHECK_LIBPCAP], [
  PKG_CHECK_MODULES([PCAP], [libpcap >= 1.8], [],
    [VS_SEARCH_LIBS([PCAP], [pcap_create], [pcap], [libpcap not found: install libpcap-dev])])
  AC_CHECK_HEADER([pcap/pcap.h], [],
    [AC_MSG_ERROR([pcap/pcap.h not found: install libpcap-dev])])
])

# CUnit only builds the unit tests; without it, make check fails loudly
# rather than passing on nothing.
AC_DEFUN([VS_CHECK_CUNIT], [
  PKG_CHECK_MODULES([CUNIT], [cunit], [],
    [VS_SEARCH_LIBS([CUNIT], [CU_initialize_registry], [cunit], [CUnit not found: install libcunit1-dev])])
])

# VS_SEARCH_LIBS(VAR, FUNCTION, LIBRARY, MESSAGE): finds the library that
# provides FUNCTION and puts it in VAR_LIBS (VAR_CFLAGS empty), or stops with
# MESSAGE. AC_SEARCH_LIBS adds what it finds to LIBS, which every program
# links: saved and restored around it, so vsacctd never links CUnit.
AC_DEFUN([VS_SEARCH_LIBS], [
  vs_save_LIBS=$LIBS
  AC_SEARCH_LIBS([$2], [$3], [], [AC_MSG_ERROR([$4])])
  LIBS=$vs_save_LIBS
  $1_CFLAGS=
  AS_IF([test "x$ac_cv_search_$2" = "xnone required"], [$1_LIBS=], [$1_LIBS=$ac_cv_search_$2])
])

# VS_STD: the project's C dialect, C11 with GNU extensions, in AM_CFLAGS
# (Makefile.am) so that a -std= in the user's CFLAGS still wins.
AC_DEFUN([VS_STD], [
  AC_MSG_CHECKING([whether $CC accepts -std=gnu11])
  vs_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS -std=gnu11"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[_Static_assert(1, "C11");]], [])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([$CC does not compile C11 (-std=gnu11)])])
  CFLAGS=$vs_save_CFLAGS
  AC_SUBST([VS_STD_CFLAGS], [-std=gnu11])
])

# VS_WARNINGS: the warning set goes into AM_CFLAGS, never into the user's CFLAGS.
# snprintf truncation is how this code bounds names: not worth a warning.
# --enable-sanitizers adds ASan and UBSan to the whole build.
AC_DEFUN([VS_WARNINGS], [
  VS_WARN_CFLAGS="-Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wno-unused-parameter -Wno-format-truncation"
  AC_ARG_ENABLE([werror],
    [AS_HELP_STRING([--enable-werror], [turn compiler warnings into errors])],
    [AS_IF([test "x$enableval" = xyes], [VS_WARN_CFLAGS="$VS_WARN_CFLAGS -Werror"])])
  AC_ARG_ENABLE([sanitizers],
    [AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UndefinedBehaviorSanitizer])],
    [AS_IF([test "x$enableval" = xyes],
      [VS_WARN_CFLAGS="$VS_WARN_CFLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"])])
  AC_SUBST([VS_WARN_CFLAGS])
])

# VS_LTO: link-time optimisation, so that the per-frame path (the capture
# callback, meter, decode, acct: four modules) compiles as one function.
# Measured: about 10% less CPU per captured frame. Off with sanitizers and
# with --disable-lto; left out when the compiler or linker lacks it.
AC_DEFUN([VS_LTO], [
  AC_ARG_ENABLE([lto],
    [AS_HELP_STRING([--disable-lto], [build without link-time optimisation])],
    [], [enable_lto=yes])
  VS_LTO_CFLAGS=
  AS_IF([test "x$enable_lto" = xyes && test "x$enable_sanitizers" != xyes], [
    AC_MSG_CHECKING([whether $CC links with -flto=auto])
    vs_saved_cflags=$CFLAGS
    CFLAGS="$CFLAGS -flto=auto"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
      [VS_LTO_CFLAGS=-flto=auto; AC_MSG_RESULT([yes])], [AC_MSG_RESULT([no])])
    CFLAGS=$vs_saved_cflags
  ])
  AC_SUBST([VS_LTO_CFLAGS])
])

# VS_CHECK_LIBXML2: libvirt describes domains in XML. Through pkg-config
# only: its headers sit in a directory of their own that only the .pc file
# names.
AC_DEFUN([VS_CHECK_LIBXML2], [
  PKG_CHECK_MODULES([XML], [libxml-2.0], [],
    [AC_MSG_ERROR([libxml2 not found by pkg-config (libxml-2.0.pc): install libxml2-dev])])
])
