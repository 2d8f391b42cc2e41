/* SPDX-License-Identifier: MIT */
/* An intrusive doubly linked list, the shape of wl_list and the kernel's. */
#ifndef SEATMUX_LIST_H
#define SEATMUX_LIST_H

#include <stddef.h>

struct list {
	struct list *prev, *next;
};

static inline void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline void list_insert(struct list *head, struct list *elm)
{
	elm->prev = head->prev;
	elm->next = head;
	head->prev->next = elm;
	head->prev = elm;
}

static inline void list_remove(struct list *elm)
{
	elm->prev->next = elm->next;
	elm->next->prev = elm->prev;
	list_init(elm);
}

static inline int list_empty(const struct list *l)
{
	return l->next == l;
}

#define list_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* Safe against removal of the current element. */
#define list_for_each(pos, tmp, head, member) \
	for (pos = list_entry((head)->next, __typeof__(*pos), member), \
	     tmp = list_entry(pos->member.next, __typeof__(*pos), member); \
	     &pos->member != (head); \
	     pos = tmp, tmp = list_entry(pos->member.next, __typeof__(*pos), member))

#endif
