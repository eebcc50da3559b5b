#include "config.h"
#include "zstream.h"
#include "exit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define ZCHUNK (256u * 1024u)

enum codec { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD };

struct oed_zstream {
	int fd;
	bool is_stdin;
	char source[256];
	enum codec codec;
	uint64_t consumed;
	bool checked;		/* the first bytes of a plain stream were looked at */

	/* compressed: the file's bytes go through zbuf into the decoder */
	unsigned char *zbuf;
	size_t zpos, zlen;
	bool zeof;		/* the file is read to its end */
	bool in_frame;		/* inside a gzip member or zstd frame: its end is still to come */
	z_stream z;
	bool z_ready;
	ZSTD_DStream *zs;
};

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcasecmp(s + n - m, suffix) == 0;
}

size_t
oed_zstream_base_len(const char *name)
{
	size_t n = strlen(name);

	if (ends_with(name, ".gz"))
		return n - 3;
	if (ends_with(name, ".zst"))
		return n - 4;
	return n;
}

bool
oed_zstream_named_compressed(const char *name)
{
	return name && strcmp(name, "-") != 0 && oed_zstream_base_len(name) != strlen(name);
}

bool
oed_zstream_size_of(const char *name, uint64_t *size)
{
	struct stat st;

	*size = 0;
	if (name == NULL || strcmp(name, "-") == 0) {
		off_t at;

		if (fstat(STDIN_FILENO, &st) == -1 || !S_ISREG(st.st_mode) ||
		    (at = lseek(STDIN_FILENO, 0, SEEK_CUR)) < 0)
			return false;
		*size = at < st.st_size ? (uint64_t)(st.st_size - at) : 0;
		return true;
	}
	if (stat(name, &st) == -1 || !S_ISREG(st.st_mode))
		return false;
	*size = (uint64_t)st.st_size;
	return true;
}

static int
nomem(struct oed_err *err)
{
	return oed_err_set(err, OED_EX_FAIL, "out of memory");
}

struct oed_zstream *
oed_zstream_open(const char *name, struct oed_err *err)
{
	struct oed_zstream *z = calloc(1, sizeof(*z));

	if (z == NULL) {
		nomem(err);
		return NULL;
	}
	if (name == NULL || strcmp(name, "-") == 0) {
		z->fd = STDIN_FILENO;
		z->is_stdin = true;
		snprintf(z->source, sizeof(z->source), "<stdin>");
		return z;
	}
	snprintf(z->source, sizeof(z->source), "%s", name);
	if ((z->fd = open(name, O_RDONLY | O_CLOEXEC)) == -1) {
		oed_err_set(err, OED_EX_FAIL, "cannot open '%s': %s", oed_quote(name), strerror(errno));
		free(z);
		return NULL;
	}
	z->codec = ends_with(name, ".gz") ? CODEC_GZIP : ends_with(name, ".zst") ? CODEC_ZSTD : CODEC_NONE;
	if (z->codec == CODEC_NONE)
		return z;
	if ((z->zbuf = malloc(ZCHUNK)) == NULL)
		goto nomem;
	if (z->codec == CODEC_GZIP) {
		/* 15 + 32: a window of 32K, gzip or zlib header found by itself */
		if (inflateInit2(&z->z, 15 + 32) != Z_OK)
			goto nomem;
		z->z_ready = true;
	} else if ((z->zs = ZSTD_createDStream()) == NULL || ZSTD_isError(ZSTD_initDStream(z->zs))) {
		goto nomem;
	}
	return z;
nomem:
	nomem(err);
	oed_zstream_close(z);
	return NULL;
}

void
oed_zstream_close(struct oed_zstream *z)
{
	if (z == NULL)
		return;
	if (!z->is_stdin && z->fd >= 0)
		close(z->fd);
	if (z->z_ready)
		inflateEnd(&z->z);
	ZSTD_freeDStream(z->zs);
	free(z->zbuf);
	free(z);
}

const char *
oed_zstream_source(const struct oed_zstream *z)
{
	return z->source;
}

uint64_t
oed_zstream_consumed(const struct oed_zstream *z)
{
	return z->consumed;
}

/*
 * read(2) once.  EINTR is an error, not retried: a signal must stop a
 * tool waiting for input (stop.h).
 */
static ssize_t
read_once(struct oed_zstream *z, void *buf, size_t n, struct oed_err *err)
{
	ssize_t got = read(z->fd, buf, n);

	if (got == -1)
		return oed_err_set(err, OED_EX_FAIL, "cannot read '%s': %s", oed_quote(z->source),
				   strerror(errno));
	z->consumed += (uint64_t)got;
	return got;
}

static const struct {
	const char *magic;
	size_t n;
	const char *what;
} kinds[] = {
	{ "\x1f\x8b", 2, "gzip data: use zcat or name it .gz" },
	{ "\x28\xb5\x2f\xfd", 4, "zstd data: use zstdcat or name it .zst" },
	{ "\xfd" "7zXZ", 5, "xz data: use xzcat" },
	{ "BZh", 3, "bzip2 data: use bzcat" },	/* and a block size digit */
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
#define MAGIC_MAX 5

/* Whether p[0..k) could still become a magic number with more bytes. */
static bool
magic_prefix(const unsigned char *p, size_t k)
{
	for (size_t i = 0; i < NKINDS; i++) {
		size_t m = kinds[i].n + (kinds[i].magic[0] == 'B');

		if (k < m && memcmp(p, kinds[i].magic, k < kinds[i].n ? k : kinds[i].n) == 0)
			return true;
	}
	return false;
}

static const char *
magic_of(const unsigned char *p, size_t k)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (k >= kinds[i].n && memcmp(p, kinds[i].magic, kinds[i].n) == 0 &&
		    (kinds[i].magic[0] != 'B' || (k > 3 && p[3] >= '1' && p[3] <= '9')))
			return kinds[i].what;
	return NULL;
}

/*
 * The first read of a plain stream: enough bytes to tell a magic number
 * (more reads only while what came could still be one, so a pipe that
 * sends "{" and waits is answered at once), then refuse compressed data.
 */
static ssize_t
first_read(struct oed_zstream *z, unsigned char *buf, size_t n, struct oed_err *err)
{
	size_t k = 0, want = n < MAGIC_MAX ? n : MAGIC_MAX;
	const char *what;

	z->checked = true;
	do {
		ssize_t got = read_once(z, buf + k, n - k, err);

		if (got == -1)
			return -1;
		if (got == 0)
			break;
		k += (size_t)got;
	} while (k < want && magic_prefix(buf, k));
	if ((what = magic_of(buf, k)) != NULL)
		return oed_err_at(err, OED_EX_DATA, z->source, 0, 0, "%s", what);
	return (ssize_t)k;
}

/* Decode into buf until some bytes come out or the file ends. */
static ssize_t
decode(struct oed_zstream *z, unsigned char *buf, size_t n, struct oed_err *err)
{
	const char *what = z->codec == CODEC_GZIP ? "gzip" : "zstd";
	size_t out = 0;

	while (out == 0) {
		if (z->zpos == z->zlen && !z->zeof) {
			ssize_t got = read_once(z, z->zbuf, ZCHUNK, err);

			if (got == -1)
				return -1;
			z->zlen = (size_t)got;
			z->zpos = 0;
			if (got == 0)
				z->zeof = true;
		}
		if (z->zpos == z->zlen && z->zeof) {
			if (z->in_frame)
				return oed_err_at(err, OED_EX_DATA, z->source, 0, 0,
						  "%s data cut short: the file ends inside it", what);
			return 0;
		}
		if (z->codec == CODEC_GZIP) {
			uInt cap = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
			int rc;

			z->z.next_in = z->zbuf + z->zpos;
			z->z.avail_in = (uInt)(z->zlen - z->zpos);
			z->z.next_out = buf;
			z->z.avail_out = cap;
			rc = inflate(&z->z, Z_NO_FLUSH);
			z->zpos = z->zlen - z->z.avail_in;
			out = cap - z->z.avail_out;
			z->in_frame = rc != Z_STREAM_END;
			if (rc == Z_STREAM_END)
				inflateReset(&z->z);	/* the next member, if any */
			else if (rc != Z_OK && rc != Z_BUF_ERROR)
				return oed_err_at(err, OED_EX_DATA, z->source, 0, 0, "not valid gzip data: %s",
						  z->z.msg ? z->z.msg : zError(rc));
		} else {
			ZSTD_inBuffer in = { z->zbuf, z->zlen, z->zpos };
			ZSTD_outBuffer ob = { buf, n, 0 };
			size_t rc = ZSTD_decompressStream(z->zs, &ob, &in);

			if (ZSTD_isError(rc))
				return oed_err_at(err, OED_EX_DATA, z->source, 0, 0, "not valid zstd data: %s",
						  ZSTD_getErrorName(rc));
			z->zpos = in.pos;
			out = ob.pos;
			z->in_frame = rc != 0;
		}
	}
	return (ssize_t)out;
}

ssize_t
oed_zstream_read(struct oed_zstream *z, void *buf, size_t n, struct oed_err *err)
{
	if (z->codec != CODEC_NONE)
		return decode(z, buf, n, err);
	if (!z->checked)
		return first_read(z, buf, n, err);
	return read_once(z, buf, n, err);
}
