/*
 * files.h: what the file store's two route files share: files.c (upload,
 * put, info, list, delete) defines these, files_serve.c (download) uses
 * them.  Private to those two; other handlers serve a stored file with
 * files_serve() (handlers.h).
 */
#ifndef HANDLERS_FILES_H
#define HANDLERS_FILES_H

#include "handlers.h"
#include "../storage/storage.h"

/* Whether the caller may reach a file of this owner (admins: all). */
int		 files_owner_ok(const struct request *, const char *owner);
/* 404 FILE_NOT_FOUND naming path; returns the status sent. */
int		 files_not_found(struct request *, const char *path);
/* The response for a storage or file-store error rc; the status sent. */
int		 files_store_fail(struct request *, int rc, const char *path);
/* The route's {path}, canonical, or NULL after a 400. */
const char	*files_route_path(struct request *);
/* A record's ETag as sent: the etag in double quotes. */
void		 files_quoted_etag(const struct files_meta *, char out[40]);
/* The request's If-* headers (borrowed from the request). */
struct cond_headers files_cond_of(const struct request *);

#endif /* HANDLERS_FILES_H */
