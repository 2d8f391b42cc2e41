/* SPDX-License-Identifier: MIT */
/*
 * Device paths named by seat clients, resolved by root without leaving
 * /dev and without waiting on any filesystem.
 */
#ifndef SEATMUX_DEV_PATH_H
#define SEATMUX_DEV_PATH_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * path as a client sent it: 0 with its node's canonical name in real
 * (size bytes) and its identity in st; -ENOENT for a missing node whose
 * name looks like a seat device; -EPERM for anything else.
 */
int dev_path_resolve(const char *path, char *real, size_t size, struct stat *st);

#endif
