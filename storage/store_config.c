/*
 * store_config.c: storage's settings (struct store_config in storage.h):
 * where the data lives, how large it may grow, what the event log keeps,
 * the file store's cap, and the queue's concurrency.
 */
#include "config.h"

#include <stddef.h>

#include "storage.h"

struct store_config store_cfg;

#define O(f) offsetof(struct store_config, f)

static const struct cfg_row store_rows[] = {
	{ "data_dir", CFG_STR, O(data_dir), "/var/lib/container-codes", 0, 0,
	    NULL, 0, NULL },
	{ "map_size", CFG_SIZE, O(map_size), "1g", 1L << 20, 0, NULL, 0,
	    NULL },
	{ "events_max", CFG_LONG, O(events_max), "100000", 1, 1000000000L,
	    NULL, 0, NULL },
	{ "events_max_age", CFG_SECS, O(events_max_age), "7d", 1, 315360000L,
	    NULL, 0, NULL },
	{ "files_max_size", CFG_SIZE, O(files_max_size), "10g", 0, 0, NULL, 0,
	    NULL },
};

const struct cfg_table store_cfg_table = CFG_TABLE(store_rows, store_cfg,
    NULL);
