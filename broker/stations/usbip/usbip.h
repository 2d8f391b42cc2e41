/* SPDX-License-Identifier: MIT */
/*
 * USB-over-Ethernet stations: each [station.NAME] is a zero client whose
 * display adapter (udl), keyboard and mouse seatmuxd imports over USB/IP
 * through vhci_hcd and makes one seat. The network is a link process's
 * business (drivers/usbip/link_main.c, unprivileged); seatmuxd only
 * attaches the sockets it is handed, gives the vhci ports their seat by
 * runtime udev rules, and keeps a station's session through a grace time
 * when the station drops off the network.
 */
#ifndef SEATMUX_USBIP_H
#define SEATMUX_USBIP_H

struct broker;

/* Starts every configured station; 0, or -1 if none can be (no vhci). */
int usbip_start(struct broker *b);
void usbip_stop(struct broker *b);

#endif
