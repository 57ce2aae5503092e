# VS_CHECK_LIBVIRT: libvirt's client library, through which vsacctd follows
# a libvirt host's domains (a read-only connection, the domain list, their
# XML and events). Required: a libvirt host is the common case (DESIGN §1).
# 1.3.3 is the oldest library that names every event detail the lifecycle
# rules tell apart. Sets LIBVIRT_CFLAGS and LIBVIRT_LIBS.
AC_DEFUN([VS_CHECK_LIBVIRT], [
  PKG_CHECK_MODULES([LIBVIRT], [libvirt >= 1.3.3], [],
    [AC_MSG_ERROR([libvirt's client library (1.3.3 or later) not found: install libvirt-dev])])
])
