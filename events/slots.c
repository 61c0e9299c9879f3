/*
 * slots.c: a bound on the streams the app serves itself (SSE and
 * long-poll from the log, Socket.IO polls), across every process of the
 * pool: slot i is an exclusive lock on DATA_DIR/streams/slot.<i>, taken
 * without waiting.  The kernel drops a lock when its process ends, so a
 * worker that dies never keeps a slot.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "events.h"

#define SLOTS_MAX	4096

static int	 held_fd = -1, held_slot = -1;

/* One stream at a time per process: a worker serves one request. */
int
ev_slot_take(int max)
{
	char path[CFG_STRLEN + 32];
	int i, fd;

	if (held_fd >= 0)
		return -1;
	if (max > SLOTS_MAX)
		max = SLOTS_MAX;
	snprintf(path, sizeof(path), "%s/streams", store_cfg.data_dir);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	for (i = 0; i < max; i++) {
		snprintf(path, sizeof(path), "%s/streams/slot.%d",
		    store_cfg.data_dir, i);
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			held_fd = fd;
			held_slot = i;
			return i;
		}
		close(fd);
	}
	return -1;
}

void
ev_slot_release(int slot)
{
	if (slot < 0 || slot != held_slot || held_fd < 0)
		return;
	close(held_fd);		/* drops the lock */
	held_fd = -1;
	held_slot = -1;
}
