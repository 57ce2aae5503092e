/*
 * source_files: libvirt domains from the status files libvirt's QEMU driver
 * keeps for its running domains (discover follows the directory, libvirt
 * parses the files), as domain records. A domain whose file went away stays
 * known, off; a file that says the domain started afresh while it stayed (a
 * snapshot reverted) is a power-up.
 */
#ifndef VS_SOURCE_FILES_H
#define VS_SOURCE_FILES_H

#include "source.h"

extern const struct source_ops source_files_ops;

#endif
