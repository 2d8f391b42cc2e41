// SPDX-License-Identifier: MIT
/*
 * The selection is a wl_data_source of the client that set it. The client
 * with keyboard focus gets a wl_data_offer for it on every wl_data_device
 * it has, when it gains focus and whenever the selection changes; its
 * receive requests are passed on to the source as send events with the
 * client's pipe. Only the focused client may set the selection, so a
 * client in the background cannot replace what the user copied.
 * Drag and drop is not offered: a started drag is cancelled.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-server-protocol.h>

#include "data_device.h"
#include "seat.h"
#include "server.h"
#include "surface.h"

struct data_device {
	struct server *server;
	struct wl_list devices;		/* wl_data_device resources */
	struct data_source *selection;
};

struct data_source {
	struct wl_resource *resource;
	struct data_device *dd;
	struct wl_array mimes;		/* char * */
	struct wl_list offers;		/* struct data_offer::link */
};

struct data_offer {
	struct data_source *source;	/* NULL once the source is gone */
	struct wl_list link;
};

static void handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static void resource_unlink(struct wl_resource *resource)
{
	wl_list_remove(wl_resource_get_link(resource));
}

/* -- offers -- */

static void offer_accept(struct wl_client *c, struct wl_resource *r, uint32_t serial,
			 const char *mime) {}

static void offer_receive(struct wl_client *client, struct wl_resource *resource,
			  const char *mime, int32_t fd)
{
	struct data_offer *o = wl_resource_get_user_data(resource);

	/* An offer for a selection since replaced gives nothing. */
	if (o->source && o->source->dd->selection == o->source)
		wl_data_source_send_send(o->source->resource, mime, fd);
	close(fd);
}

static void offer_finish(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_post_error(resource, WL_DATA_OFFER_ERROR_INVALID_FINISH,
			       "finish is for drag and drop, this offer is a selection");
}

static void offer_set_actions(struct wl_client *client, struct wl_resource *resource,
			      uint32_t actions, uint32_t preferred)
{
	wl_resource_post_error(resource, WL_DATA_OFFER_ERROR_INVALID_OFFER,
			       "actions are for drag and drop, this offer is a selection");
}

static const struct wl_data_offer_interface offer_impl = {
	.accept = offer_accept,
	.receive = offer_receive,
	.destroy = handle_destroy,
	.finish = offer_finish,
	.set_actions = offer_set_actions,
};

static void offer_destroyed(struct wl_resource *resource)
{
	struct data_offer *o = wl_resource_get_user_data(resource);

	wl_list_remove(&o->link);
	free(o);
}

static void send_selection(struct data_device *dd, struct wl_resource *device)
{
	struct data_source *src = dd->selection;
	struct data_offer *o;
	struct wl_resource *r;
	char **mime;

	if (!src) {
		wl_data_device_send_selection(device, NULL);
		return;
	}
	o = calloc(1, sizeof(*o));
	r = o ? wl_resource_create(wl_resource_get_client(device), &wl_data_offer_interface,
				   wl_resource_get_version(device), 0) : NULL;
	if (!r) {
		free(o);
		wl_resource_post_no_memory(device);
		return;
	}
	o->source = src;
	wl_list_insert(&src->offers, &o->link);
	wl_resource_set_implementation(r, &offer_impl, o, offer_destroyed);
	wl_data_device_send_data_offer(device, r);
	wl_array_for_each(mime, &src->mimes)
		wl_data_offer_send_offer(r, *mime);
	wl_data_device_send_selection(device, r);
}

void data_device_focus(struct server *server, struct wl_client *client)
{
	struct data_device *dd = server->data;
	struct wl_resource *r;

	if (!dd || !client)
		return;
	wl_resource_for_each(r, &dd->devices)
		if (wl_resource_get_client(r) == client)
			send_selection(dd, r);
}

/* -- sources -- */

static void source_offer(struct wl_client *client, struct wl_resource *resource,
			 const char *mime)
{
	struct data_source *src = wl_resource_get_user_data(resource);
	char **p = wl_array_add(&src->mimes, sizeof(*p));

	if (!p || !(*p = strdup(mime))) {
		if (p)
			src->mimes.size -= sizeof(*p);
		wl_resource_post_no_memory(resource);
	}
}

static void source_set_actions(struct wl_client *c, struct wl_resource *r, uint32_t actions) {}

static const struct wl_data_source_interface source_impl = {
	.offer = source_offer,
	.destroy = handle_destroy,
	.set_actions = source_set_actions,
};

static void source_destroyed(struct wl_resource *resource)
{
	struct data_source *src = wl_resource_get_user_data(resource);
	struct data_device *dd = src->dd;
	struct data_offer *o, *tmp;
	char **mime;

	wl_list_for_each_safe(o, tmp, &src->offers, link) {
		o->source = NULL;
		wl_list_remove(&o->link);
		wl_list_init(&o->link);
	}
	wl_array_for_each(mime, &src->mimes)
		free(*mime);
	wl_array_release(&src->mimes);
	if (dd->selection == src) {
		dd->selection = NULL;
		data_device_focus(dd->server, seat_focus_client(dd->server));
	}
	free(src);
}

/* -- devices -- */

static void device_start_drag(struct wl_client *client, struct wl_resource *resource,
			      struct wl_resource *source, struct wl_resource *origin,
			      struct wl_resource *icon, uint32_t serial)
{
	if (source)
		wl_data_source_send_cancelled(source);
}

static void device_set_selection(struct wl_client *client, struct wl_resource *resource,
				 struct wl_resource *source, uint32_t serial)
{
	struct data_device *dd = wl_resource_get_user_data(resource);
	struct data_source *src = source ? wl_resource_get_user_data(source) : NULL;

	if (client != seat_focus_client(dd->server) || src == dd->selection)
		return;
	if (dd->selection)
		wl_data_source_send_cancelled(dd->selection->resource);
	dd->selection = src;
	data_device_focus(dd->server, seat_focus_client(dd->server));
}

static const struct wl_data_device_interface device_impl = {
	.start_drag = device_start_drag,
	.set_selection = device_set_selection,
	.release = handle_destroy,
};

/* -- manager -- */

static void create_data_source(struct wl_client *client, struct wl_resource *resource,
			       uint32_t id)
{
	struct data_source *src = calloc(1, sizeof(*src));

	if (src)
		src->resource = wl_resource_create(client, &wl_data_source_interface,
						   wl_resource_get_version(resource), id);
	if (!src || !src->resource) {
		free(src);
		wl_client_post_no_memory(client);
		return;
	}
	src->dd = wl_resource_get_user_data(resource);
	wl_array_init(&src->mimes);
	wl_list_init(&src->offers);
	wl_resource_set_implementation(src->resource, &source_impl, src, source_destroyed);
}

static void get_data_device(struct wl_client *client, struct wl_resource *resource,
			    uint32_t id, struct wl_resource *seat)
{
	struct data_device *dd = wl_resource_get_user_data(resource);
	struct wl_resource *r = wl_resource_create(client, &wl_data_device_interface,
						   wl_resource_get_version(resource), id);

	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &device_impl, dd, resource_unlink);
	wl_list_insert(&dd->devices, wl_resource_get_link(r));
	if (client == seat_focus_client(dd->server))
		send_selection(dd, r);
}

static const struct wl_data_device_manager_interface manager_impl = {
	.create_data_source = create_data_source,
	.get_data_device = get_data_device,
};

static void bind_manager(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct wl_resource *r = wl_resource_create(client, &wl_data_device_manager_interface,
						   (int)version, id);

	if (!r) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(r, &manager_impl, data, NULL);
}

int data_device_create(struct server *server)
{
	struct data_device *dd = calloc(1, sizeof(*dd));

	if (!dd)
		return -1;
	dd->server = server;
	wl_list_init(&dd->devices);
	server->data = dd;
	return wl_global_create(server->display, &wl_data_device_manager_interface, 3, dd,
				bind_manager) ? 0 : -1;
}

/* After the clients are gone: their resources freed the rest. */
void data_device_destroy(struct server *server)
{
	free(server->data);
	server->data = NULL;
}
