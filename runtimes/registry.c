/*
 * registry.c: the driver registry, one {name, driver} row per engine
 * kind, and the capability checks callers make before an optional
 * member.  A new driver is its files (runtimes/<name>*.c) and one row.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "runtime.h"
#include "docker.h"
#include "lxd.h"
#include "proxmox.h"

static const struct {
	const char		*name;
	const struct rt_driver	*driver;
} drivers[] = {
	{ "docker", &rt_docker },
	{ "lxd", &rt_lxd },
	{ "proxmox", &rt_proxmox },
};

#define NDRIVERS (sizeof(drivers) / sizeof(drivers[0]))

const struct rt_driver *
rt_driver_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < NDRIVERS; i++)
		if (strcmp(drivers[i].name, name) == 0)
			return drivers[i].driver;
	return NULL;
}

const char *
rt_driver_names(void)
{
	static char buf[256];
	size_t i, len = 0;

	if (buf[0] != '\0')
		return buf;
	for (i = 0; i < NDRIVERS && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i ? ", " : "", drivers[i].name);
	return buf;
}

/* Each capability: its name in messages, and whether d has its members. */
static const char *
cap_name(unsigned cap)
{
	switch (cap) {
	case RT_CAP_EXEC:	return "exec";
	case RT_CAP_ARCHIVE:	return "archives";
	case RT_CAP_LOGS:	return "logs";
	case RT_CAP_STATS:	return "stats";
	case RT_CAP_EVENTS:	return "events";
	case RT_CAP_IMAGES:	return "images";
	case RT_CAP_BUILD:	return "building images";
	case RT_CAP_NETWORKS:	return "networks";
	case RT_CAP_VOLUMES:	return "volumes";
	case RT_CAP_PAUSE:	return "pause";
	case RT_CAP_WAIT:	return "wait";
	case RT_CAP_PRUNE:	return "prune";
	case RT_CAP_FILES:	return "files";
	case RT_CAP_INSTANCE:	return "instance configs";
	case RT_CAP_FORWARDS:	return "port forwards";
	case RT_CAP_NETSETUP:	return "network setup";
	case RT_CAP_IMPORT:	return "image import";
	case RT_CAP_PODS:	return "pods";
	case RT_CAP_CONSOLE:	return "a console";
	default:		return "an unknown capability";
	}
}

static int
has_members(const struct rt_driver *d, unsigned cap)
{
	switch (cap) {
	case RT_CAP_EXEC:
		return d->exec != NULL;
	case RT_CAP_ARCHIVE:
		return d->put_archive != NULL && d->get_archive != NULL;
	case RT_CAP_LOGS:
		return d->logs != NULL;
	case RT_CAP_STATS:
		return d->stats != NULL;
	case RT_CAP_EVENTS:
		return d->events != NULL;
	case RT_CAP_IMAGES:
		return d->image_list != NULL && d->image_pull != NULL &&
		    d->image_remove != NULL;
	case RT_CAP_BUILD:
		return d->image_build != NULL;
	case RT_CAP_NETWORKS:
		return d->network_list != NULL && d->network_create != NULL &&
		    d->network_remove != NULL;
	case RT_CAP_VOLUMES:
		return d->volume_list != NULL && d->volume_create != NULL &&
		    d->volume_remove != NULL;
	case RT_CAP_PAUSE:
		return d->pause != NULL && d->unpause != NULL;
	case RT_CAP_WAIT:
		return d->wait != NULL;
	case RT_CAP_PRUNE:
		return d->prune != NULL;
	case RT_CAP_FILES:
		return d->file_put != NULL && d->file_get != NULL;
	case RT_CAP_INSTANCE:
		return d->create != NULL;
	case RT_CAP_FORWARDS:
		return d->forward_list != NULL && d->forward_add != NULL &&
		    d->forward_remove != NULL;
	case RT_CAP_NETSETUP:
		return d->net_setup != NULL;
	case RT_CAP_IMPORT:
		return d->image_import != NULL;
	case RT_CAP_PODS:
		return d->pods != NULL;
	case RT_CAP_CONSOLE:
		return d->console_open != NULL;
	default:
		return 0;
	}
}

const char *
rt_cap_missing(const struct rt_endpoint *ep, unsigned caps)
{
	const struct rt_driver *d = ep->driver;
	unsigned cap;

	for (cap = 1; caps != 0 && cap != 0; cap <<= 1) {
		if (!(caps & cap))
			continue;
		caps &= ~cap;
		if (d == NULL || !(d->caps & cap) || !has_members(d, cap))
			return cap_name(cap);
	}
	return NULL;
}

int
rt_can(const struct rt_endpoint *ep, unsigned caps)
{
	return rt_cap_missing(ep, caps) == NULL;
}
