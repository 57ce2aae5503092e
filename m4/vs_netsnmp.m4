# VS_CHECK_NETSNMP: find the Net-SNMP agent library through net-snmp-config
# and prove it links. Sets NETSNMP_CFLAGS, NETSNMP_LIBS, NETSNMP_MIBDIR.
#
# net-snmp-config --cflags carries the distribution's whole build flags
# (optimisation, perl includes); only its -I and -D options are ours to take.
# --netsnmp-agent-libs also names libnetsnmpmibs, which a subagent never uses.
AC_DEFUN([VS_CHECK_NETSNMP], [
  AC_PATH_PROG([NET_SNMP_CONFIG], [net-snmp-config], [no])
  AS_IF([test "x$NET_SNMP_CONFIG" = xno],
        [AC_MSG_ERROR([net-snmp-config not found: install libsnmp-dev])])
  NETSNMP_CFLAGS=""
  for vs_flag in `$NET_SNMP_CONFIG --cflags`; do
    case $vs_flag in
      -I.|-I*perl*) ;;
      -I*|-DNETSNMP_*) NETSNMP_CFLAGS="$NETSNMP_CFLAGS $vs_flag" ;;
    esac
  done
  NETSNMP_LIBS=""
  for vs_flag in `$NET_SNMP_CONFIG --netsnmp-agent-libs`; do
    case $vs_flag in
      -lnetsnmpmibs) ;;
      *) NETSNMP_LIBS="$NETSNMP_LIBS $vs_flag" ;;
    esac
  done
  NETSNMP_MIBDIR=`$NET_SNMP_CONFIG --prefix`/share/snmp/mibs

  AC_MSG_CHECKING([whether the Net-SNMP agent library links])
  vs_save_CFLAGS=$CFLAGS vs_save_LIBS=$LIBS
  CFLAGS="$CFLAGS $NETSNMP_CFLAGS" LIBS="$NETSNMP_LIBS $LIBS"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
]], [[netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
return init_agent("probe");]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no])
     AC_MSG_ERROR([cannot link the Net-SNMP agent library: install libsnmp-dev])])
  CFLAGS=$vs_save_CFLAGS LIBS=$vs_save_LIBS
  AC_SUBST([NETSNMP_CFLAGS])
  AC_SUBST([NETSNMP_LIBS])
])
