/*
 * tasks.h: the task follower, a process kind of the pool (fcgi-app/
 * pool.c kinds[]).  The one header of tasks/.
 *
 *   tasks/tasks.c   follows the engine tasks that outlive a request
 *                   (template downloads): polls each recorded one to its
 *                   end and reports it in its record and the event log
 */
#ifndef TASKS_H
#define TASKS_H

/* How many followers the pool keeps: one. */
int	 tasks_count(void);
/* The process's body; never returns. */
void	 tasks_main(int listen_fd) __attribute__((noreturn));

#endif /* TASKS_H */
