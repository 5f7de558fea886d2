/* _fastscan: the bulk path of the event decoder.
 *
 * One call walks a buffer of TFRecord-framed Event protos, checks both masked CRC32C checksums
 * of every record, and decodes the records that carry only scalar or histogram summary values
 * (legacy simple_value or histo; a 0-d float/double tensor or a k x 3 float/double histogram
 * tensor, with or without well-formed metadata) straight into column buffers. Every other record
 * (file_version, graphs, images, unusual encodings, ...) is handed back by position for the
 * protobuf runtime in Python to decode. Python owns all policy (which rows to keep, what metadata
 * registers a tag): this file only frames, checks and extracts. Whatever the runtime might read
 * differently (field number 0 or above 2**29-1, keys or lengths over 5 bytes, groups, wire types 6
 * and 7, varints past 64 bits, bad UTF-8) is never guessed at: the record goes to Python whole.
 *
 * Returned tuple (see loaders/fastpath.py, which wraps it):
 *   end        int    bytes consumed (relative to the buffer start): resume there
 *   status     int    STATUS_DONE, STATUS_TRUNCATED (final record), STATUS_LENGTH_CRC (bad length
 *                     checksum) or STATUS_BAD_LENGTH (absurd length): module constants, like the KIND_* ones
 *   problems   list   (kind, relative record offset) of records skipped for a bad payload checksum
 *   tags       list   tag bytes, in order of first appearance (the dictionary of tag_idx)
 *   tag_idx    bytes  int32 per scalar row
 *   step       bytes  int64 per scalar row
 *   wall_time  bytes  float64 per scalar row
 *   value      bytes  float64 per scalar row
 *   offset     bytes  int64 per scalar row: relative offset of the record header
 *   kind       bytes  uint8 per scalar row: KIND_SIMPLE or KIND_SCALAR_TENSOR, | KIND_META when the value
 *                     had metadata
 *   histograms tuple  bytes per histogram column: tag_idx (int32), step (int64), wall_time, min, max,
 *                     num, sum, sum_squares (float64), offset (int64), kind (uint8: KIND_HISTO or
 *                     KIND_HISTOGRAM_TENSOR, | KIND_META with metadata), pos (int64: scalar rows before
 *                     this row), limit_end (int32 end offsets), limits (float64), bucket_end (int32),
 *                     buckets (float64)
 *   other      bytes  int64 pairs (relative payload start, payload length) of records left to Python
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#define HAVE_X86_CRC 1
#endif

/* ---------- CRC32C (Castagnoli) ---------- */

static uint32_t crc_table[8][256];
static int use_hw_crc = 0;

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[0][i] = c;
    }
    for (int t = 1; t < 8; t++)
        for (int i = 0; i < 256; i++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
#ifdef HAVE_X86_CRC
    __builtin_cpu_init();
    use_hw_crc = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t crc_sw(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= c;
        c = crc_table[7][w & 0xFF] ^ crc_table[6][(w >> 8) & 0xFF] ^ crc_table[5][(w >> 16) & 0xFF] ^
            crc_table[4][(w >> 24) & 0xFF] ^ crc_table[3][(w >> 32) & 0xFF] ^ crc_table[2][(w >> 40) & 0xFF] ^
            crc_table[1][(w >> 48) & 0xFF] ^ crc_table[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n--) c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xFF];
    return c ^ 0xFFFFFFFFu;
}

#ifdef HAVE_X86_CRC
__attribute__((target("sse4.2"))) static uint32_t crc_hw(const uint8_t *p, size_t n) {
    uint64_t c = 0xFFFFFFFFu;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = _mm_crc32_u64(c, w);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = _mm_crc32_u8(c32, *p++);
    return c32 ^ 0xFFFFFFFFu;
}
#endif

static uint32_t masked_crc(const uint8_t *p, size_t n) {
    uint32_t c;
#ifdef HAVE_X86_CRC
    c = use_hw_crc ? crc_hw(p, n) : crc_sw(p, n);
#else
    c = crc_sw(p, n);
#endif
    return ((c >> 15) | (c << 17)) + 0xA282EAD8u;
}

/* ---------- growable column buffers ---------- */

/* A column grows inside a bytes object (resized in place, like realloc), so handing it to Python
 * at the end copies nothing. */
typedef struct {
    PyObject *obj;
    size_t len, cap;
} Buf;

static int buf_grow(Buf *b, size_t need) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap < need) cap *= 2;
    if (!b->obj) {
        b->obj = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)cap);
        if (!b->obj) return -1;
    } else if (_PyBytes_Resize(&b->obj, (Py_ssize_t)cap)) {   /* frees the object on failure */
        b->obj = NULL;
        b->len = b->cap = 0;
        return -1;
    }
    b->cap = cap;
    return 0;
}

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int buf_push(Buf *b, const void *src, size_t n) {
    if (b->len + n > b->cap && buf_grow(b, b->len + n)) return -1;
    memcpy(PyBytes_AS_STRING(b->obj) + b->len, src, n);
    b->len += n;
    return 0;
}

static PyObject *buf_take(Buf *b) {
    PyObject *o = b->obj;
    b->obj = NULL;
    if (!o) return PyBytes_FromStringAndSize("", 0);
    if (_PyBytes_Resize(&o, (Py_ssize_t)b->len)) o = NULL;
    b->len = b->cap = 0;
    return o;
}

/* ---------- protobuf wire helpers ---------- */

/* Every reader below returns -1 for input it does not take, and its caller then leaves the record to
 * the protobuf runtime (FALLBACK): anything the runtime might read differently is never guessed at. */

/* A varint of at most max_bytes bytes; -1 when it runs past end or is longer. A 10-byte varint with
 * bits past the 64th is -1 too: the runtime drops those bits, the kernel does not decide. */
static int read_varint_n(const uint8_t **pp, const uint8_t *end, uint64_t *out, int max_bytes) {
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (int i = 0; i < max_bytes && p < end; i++) {
        uint8_t byte = *p++;
        if (i == 9 && byte > 1) return -1;
        v |= (uint64_t)(byte & 0x7F) << (7 * i);
        if (!(byte & 0x80)) {
            *out = v;
            *pp = p;
            return 0;
        }
    }
    return -1;
}

/* A varint value: 64 bits in at most 10 bytes. */
static int read_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out) {
    return read_varint_n(pp, end, out, 10);
}

#define MAX_FIELD ((uint64_t)536870911)   /* 2**29 - 1, the largest field number protobuf allows */

/* A field key, kept as 64 bits until its parts are checked. The runtime rejects keys longer than 5
 * bytes or past 32 bits (field numbers above MAX_FIELD), field number 0 and wire types 6 and 7;
 * groups (3, 4) it skips, the kernel does not. All of those are -1. */
static int read_key(const uint8_t **pp, const uint8_t *end, uint64_t *field, int *wire) {
    uint64_t key;
    if (read_varint_n(pp, end, &key, 5)) return -1;
    uint64_t f = key >> 3;
    int w = (int)(key & 7);
    if (f == 0 || f > MAX_FIELD || (w != 0 && w != 1 && w != 2 && w != 5)) return -1;
    *field = f;
    *wire = w;
    return 0;
}

/* A length prefix, and the bytes it counts lie before end. The runtime reads sizes in at most 5
 * bytes and below 2**31 - 1; the kernel takes no more. */
static int read_len(const uint8_t **pp, const uint8_t *end, uint64_t *n) {
    if (read_varint_n(pp, end, n, 5) || *n >= INT32_MAX || (uint64_t)(end - *pp) < *n) return -1;
    return 0;
}

/* Skip one field of the given wire type (as read_key returned it). */
static int skip_field(const uint8_t **pp, const uint8_t *end, int wire) {
    uint64_t n;
    switch (wire) {
    case 0: return read_varint(pp, end, &n);
    case 1: if (end - *pp < 8) return -1; *pp += 8; return 0;
    case 5: if (end - *pp < 4) return -1; *pp += 4; return 0;
    case 2:
        if (read_len(pp, end, &n)) return -1;
        *pp += n;
        return 0;
    default: return -1;
    }
}

/* ---------- the tag dictionary: tag bytes -> dense id ---------- */

typedef struct {
    PyObject *list;        /* tag bytes objects, index = tag id */
    PyObject *index;       /* dict bytes -> int */
} Tags;

/* 1 when p[0:n] is valid UTF-8 (as the protobuf runtime requires of string fields), else 0;
 * -1 with a Python error set when the check itself failed. */
static int valid_utf8(const uint8_t *p, size_t n) {
    PyObject *text = PyUnicode_DecodeUTF8((const char *)p, (Py_ssize_t)n, "strict");
    if (text) { Py_DECREF(text); return 1; }
    if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) return -1;
    PyErr_Clear();
    return 0;
}

/* The id of a tag; -1 with a Python error set on failure, -2 for a tag that is not valid UTF-8
 * (the protobuf runtime rejects the whole record, so the record is left to Python). */
static int32_t tag_id(Tags *t, const uint8_t *p, size_t n) {
    PyObject *key = PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)n);
    if (!key) return -1;
    PyObject *found = PyDict_GetItemWithError(t->index, key);
    if (found) {
        Py_DECREF(key);
        return (int32_t)PyLong_AsLong(found);
    }
    if (PyErr_Occurred()) { Py_DECREF(key); return -1; }
    int valid = valid_utf8(p, n);               /* only new tags get here: known ones were checked */
    if (valid <= 0) { Py_DECREF(key); return valid < 0 ? -1 : -2; }
    Py_ssize_t id = PyList_GET_SIZE(t->list);
    PyObject *num = PyLong_FromSsize_t(id);
    if (!num || PyList_Append(t->list, key) || PyDict_SetItem(t->index, key, num)) {
        Py_XDECREF(num);
        Py_DECREF(key);
        return -1;
    }
    Py_DECREF(num);
    Py_DECREF(key);
    return (int32_t)id;
}

/* A cache in front of the dict: consecutive records usually repeat the same few dozen tags.
 * Direct-mapped, with many more slots than tags, so that tags seldom evict each other. */
#define TAG_CACHE 1024
typedef struct {
    uint32_t len[TAG_CACHE];          /* 0: empty slot (the empty tag is never cached) */
    int32_t id[TAG_CACHE];
    char bytes[TAG_CACHE][64];
} TagCache;

static uint32_t tag_hash(const uint8_t *p, size_t n) {
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + n - 8, 8);
    } else {
        for (size_t i = 0; i < n; i++) a = (a << 8) | p[i];
    }
    uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ ((uint64_t)n << 32);
    h ^= h >> 29;
    return (uint32_t)(h * 0x165667B19E3779F9ull >> 54) % TAG_CACHE;
}

static int32_t cached_tag_id(Tags *t, TagCache *c, const uint8_t *p, size_t n) {
    uint32_t h = tag_hash(p, n);
    if (c->len[h] == n && n && memcmp(c->bytes[h], p, n) == 0) return c->id[h];
    int32_t id = tag_id(t, p, n);
    if (id >= 0 && n && n <= 64) {
        memcpy(c->bytes[h], p, n);
        c->len[h] = (uint32_t)n;
        c->id[h] = id;
    }
    return id;
}

/* ---------- decoding one record ---------- */

/* Row kinds (the kind columns). K_META is or-ed onto a tensor row whose value carried metadata. */
enum { K_SIMPLE = 0, K_SCALAR_TENSOR = 1, K_HISTO = 2, K_HIST_TENSOR = 3, K_META = 4 };
enum { SC_TAG, SC_STEP, SC_WALL, SC_VALUE, SC_OFFSET, SC_KIND, SC_N };
enum { H_TAG, H_STEP, H_WALL, H_MIN, H_MAX, H_NUM, H_SUM, H_SUMSQ, H_OFFSET, H_KIND, H_POS,
       H_LIMIT_END, H_LIMITS, H_BUCKET_END, H_BUCKETS, H_N };

typedef struct {
    Buf sc[SC_N];    /* scalar rows */
    Buf h[H_N];      /* histogram rows; *_END are int32 end offsets into LIMITS / BUCKETS */
} Cols;

enum { OK = 0, FALLBACK = 1, FAIL = -1 };

/* Why a scan stopped (the status item of the result; module constants of the same names). */
enum { STATUS_DONE = 0, STATUS_TRUNCATED = 1, STATUS_LENGTH_CRC = 2, STATUS_BAD_LENGTH = 3 };

/* One Summary.Value the kernel can take. */
typedef struct {
    const uint8_t *tag;
    size_t tag_len;
    int kind;                       /* K_SIMPLE .. K_HIST_TENSOR; -1 when no value was seen */
    int meta;                       /* the value carried (well-formed) metadata */
    double value;                   /* scalar rows */
    double stat[5];                 /* histogram rows: min, max, num, sum, sum_squares */
    const uint8_t *limits, *buckets;/* legacy: packed little-endian doubles */
    uint64_t n_limits, n_buckets;
    const uint8_t *content;         /* tensor histogram: k x 3 (left, right, count) of width-byte floats */
    uint64_t k;
    int width;
} Val;

#define TWO_53 9007199254740992.0
#define MAX_ELEMENTS ((uint64_t)1 << 27)   /* loaders/tensors.py: larger tensors are not expanded */

static double element(const Val *v, uint64_t i) {
    if (v->width == 4) { float f; memcpy(&f, v->content + 4 * i, 4); return f; }
    double d; memcpy(&d, v->content + 8 * i, 8); return d;
}

/* min, max and num of a k x 3 histogram tensor as loaders/tables/histograms.from_tensor computes them.
 * num is numpy's sum of the counts: taken only when every count is a whole number and the counts'
 * magnitudes add up to at most 2**53, so that any summation order gives the same exact result. */
static int tensor_stats(Val *v) {
    double total = 0, magnitude = 0;
    for (uint64_t i = 0; i < v->k; i++) {
        double c = element(v, 3 * i + 2);
        if (!(c >= -TWO_53 && c <= TWO_53) || c != (double)(int64_t)c || (c == 0 && signbit(c)))
            return FALLBACK;
        magnitude += fabs(c);
        if (magnitude > TWO_53) return FALLBACK;
        total += c;
    }
    v->stat[0] = element(v, 0);
    v->stat[1] = element(v, 3 * (v->k - 1) + 1);
    v->stat[2] = total;
    v->stat[3] = v->stat[4] = NAN;
    return OK;
}

/* A TensorShapeProto of at most two plain dimensions (no names, no unknown_rank). */
static int decode_shape(const uint8_t *p, const uint8_t *end, int *ndim, uint64_t dims[2]) {
    uint64_t field, n;
    int wire;
    *ndim = 0;
    while (p < end) {
        if (read_key(&p, end, &field, &wire) || field != 2 || wire != 2 || *ndim == 2) return FALLBACK;
        if (read_len(&p, end, &n)) return FALLBACK;
        const uint8_t *q = p, *dim_end = p + n;
        uint64_t size = 0;
        int seen = 0;
        while (q < dim_end) {
            if (read_key(&q, dim_end, &field, &wire) || field != 1 || wire != 0 || seen ||
                read_varint(&q, dim_end, &size))
                return FALLBACK;
            seen = 1;
        }
        dims[(*ndim)++] = size;
        p = dim_end;
    }
    return OK;
}

/* A 0-d DT_FLOAT/DT_DOUBLE tensor with exactly one value (a scalar row), or a k x 3 DT_FLOAT/DT_DOUBLE
 * tensor_content with k >= 1 (a histogram row); anything else -> FALLBACK. */
static int decode_tensor(const uint8_t *p, const uint8_t *end, Val *v) {
    uint64_t dtype = 0, n, dims[2] = {0, 0};
    int width = 0, ndim = 0, have_shape = 0;  /* width: bytes of the one value found */
    const uint8_t *content = NULL;
    uint64_t content_len = 0;
    double value = 0;
    while (p < end) {
        uint64_t field;
        int wire;
        if (read_key(&p, end, &field, &wire)) return FALLBACK;
        if (field == 1 && wire == 0) {
            if (read_varint(&p, end, &dtype)) return FALLBACK;
        } else if (field == 2 && wire == 2) {                 /* tensor_shape (a second one would merge) */
            if (read_len(&p, end, &n) || have_shape) return FALLBACK;
            if (decode_shape(p, p + n, &ndim, dims) != OK) return FALLBACK;
            p += n; have_shape = 1;
        } else if (field == 3 && wire == 0) {                 /* version_number */
            if (read_varint(&p, end, &n)) return FALLBACK;
        } else if (field == 5 && (wire == 2 || wire == 5)) { /* float_val, packed or not */
            if (wire == 2 && (read_len(&p, end, &n) || n != 4)) return FALLBACK;
            if (end - p < 4 || width || content) return FALLBACK;
            float f; memcpy(&f, p, 4); p += 4; value = f; width = 4;
        } else if (field == 6 && (wire == 2 || wire == 1)) { /* double_val */
            if (wire == 2 && (read_len(&p, end, &n) || n != 8)) return FALLBACK;
            if (end - p < 8 || width || content) return FALLBACK;
            memcpy(&value, p, 8); p += 8; width = 8;
        } else if (field == 4 && wire == 2) {                 /* tensor_content, little-endian */
            if (read_len(&p, end, &n) || width || content || n == 0) return FALLBACK;
            content = p; content_len = n; p += n;
        } else {
            return FALLBACK;
        }
    }
    int item = dtype == 1 ? 4 : dtype == 2 ? 8 : 0;
    if (!item) return FALLBACK;
    if (ndim == 0) {
        if (content) {
            if (content_len != (uint64_t)item) return FALLBACK;
            if (item == 4) { float f; memcpy(&f, content, 4); value = f; } else memcpy(&value, content, 8);
        } else if (width != item) {
            return FALLBACK;
        }
        v->kind = K_SCALAR_TENSOR;
        v->value = value;
        return OK;
    }
    if (ndim != 2 || dims[1] != 3 || dims[0] == 0 || dims[0] > MAX_ELEMENTS / 3 || !content ||
        content_len != dims[0] * 3 * (uint64_t)item)
        return FALLBACK;
    v->kind = K_HIST_TENSOR;
    v->content = content;
    v->k = dims[0];
    v->width = item;
    return tensor_stats(v);
}

/* A legacy HistogramProto: each field at most once, bucket lists packed (else the runtime decides). */
static int decode_histo(const uint8_t *p, const uint8_t *end, Val *v) {
    unsigned seen = 0;
    uint64_t n;
    memset(v->stat, 0, sizeof v->stat);
    v->limits = v->buckets = (const uint8_t *)"";
    v->n_limits = v->n_buckets = 0;
    while (p < end) {
        uint64_t field;
        int wire;
        if (read_key(&p, end, &field, &wire)) return FALLBACK;
        if (field < 1 || field > 7 || (seen & (1u << field))) return FALLBACK;
        seen |= 1u << field;
        if (field <= 5 && wire == 1) {
            if (end - p < 8) return FALLBACK;
            memcpy(&v->stat[field - 1], p, 8); p += 8;
        } else if (field >= 6 && wire == 2) {
            if (read_len(&p, end, &n) || n % 8) return FALLBACK;
            if (field == 6) { v->limits = p; v->n_limits = n / 8; } else { v->buckets = p; v->n_buckets = n / 8; }
            p += n;
        } else {
            return FALLBACK;
        }
    }
    v->kind = K_HISTO;
    return OK;
}

/* 1 when p[0:n] is valid UTF-8 (ASCII checked here, the rest by Python), 0 if not, -1 on error. */
static int valid_text(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] & 0x80) return valid_utf8(p, n);
    return 1;
}

/* A length-delimited string field at *pp: skipped when valid UTF-8. */
static int skip_text(const uint8_t **pp, const uint8_t *end) {
    uint64_t n;
    if (read_len(pp, end, &n)) return FALLBACK;
    int valid = valid_text(*pp, (size_t)n);
    if (valid <= 0) return valid < 0 ? FAIL : FALLBACK;
    *pp += n;
    return OK;
}

/* A SummaryMetadata the protobuf runtime parses exactly as written: known fields, each once. */
static int check_metadata(const uint8_t *p, const uint8_t *end) {
    unsigned seen = 0;
    uint64_t n;
    while (p < end) {
        uint64_t field;
        int wire, rc;
        if (read_key(&p, end, &field, &wire)) return FALLBACK;
        if (field < 1 || field > 4 || (seen & (1u << field))) return FALLBACK;
        seen |= 1u << field;
        if (field == 1 && wire == 2) {                        /* plugin_data: plugin_name, content */
            if (read_len(&p, end, &n)) return FALLBACK;
            const uint8_t *q = p, *data_end = p + n;
            unsigned inner = 0;
            while (q < data_end) {
                uint64_t f;
                int w;
                if (read_key(&q, data_end, &f, &w)) return FALLBACK;
                if (w != 2 || f > 2 || (inner & (1u << f))) return FALLBACK;
                inner |= 1u << f;
                if (f == 1 && (rc = skip_text(&q, data_end)) != OK) return rc;
                if (f == 2 && skip_field(&q, data_end, 2)) return FALLBACK;
            }
            p = data_end;
        } else if ((field == 2 || field == 3) && wire == 2) {
            if ((rc = skip_text(&p, end)) != OK) return rc;
        } else if (field == 4 && wire == 0) {
            if (read_varint(&p, end, &n)) return FALLBACK;
        } else {
            return FALLBACK;
        }
    }
    return OK;
}

/* A SourceMetadata (its one field, writer, a string) the runtime parses without complaint. */
static int check_source_metadata(const uint8_t *p, const uint8_t *end) {
    while (p < end) {
        uint64_t field;
        int wire, rc;
        if (read_key(&p, end, &field, &wire) || field != 1 || wire != 2) return FALLBACK;
        if ((rc = skip_text(&p, end)) != OK) return rc;
    }
    return OK;
}

/* One Summary.Value: a tag plus simple_value, a scalar or histogram tensor (metadata allowed), or a
 * legacy histo. The oneof keeps the last value field seen, as the protobuf runtime does. */
static int decode_value(const uint8_t *p, const uint8_t *end, Val *v) {
    int have_tensor = 0, have_histo = 0, rc;
    uint64_t n;
    v->tag = (const uint8_t *)"";
    v->tag_len = 0;
    v->kind = -1;
    v->meta = 0;
    while (p < end) {
        uint64_t field;
        int wire;
        if (read_key(&p, end, &field, &wire)) return FALLBACK;
        if (field == 1 && wire == 2) {
            if (read_len(&p, end, &n)) return FALLBACK;
            v->tag = p; v->tag_len = n; p += n;
        } else if (field == 2 && wire == 5) {
            float f; if (end - p < 4) return FALLBACK;
            memcpy(&f, p, 4); p += 4; v->value = f; v->kind = K_SIMPLE;
        } else if (field == 8 && wire == 2) {
            /* a second tensor (or histo) field is merged into the first by protobuf: left to Python */
            if (read_len(&p, end, &n) || have_tensor) return FALLBACK;
            if (decode_tensor(p, p + n, v) != OK) return FALLBACK;
            p += n; have_tensor = 1;
        } else if (field == 5 && wire == 2) {
            if (read_len(&p, end, &n) || have_histo) return FALLBACK;
            if (decode_histo(p, p + n, v) != OK) return FALLBACK;
            p += n; have_histo = 1;
        } else if (field == 9 && wire == 2) {                  /* metadata: only checked; Python reads it */
            if (read_len(&p, end, &n) || v->meta) return FALLBACK;
            if ((rc = check_metadata(p, p + n)) != OK) return rc;
            p += n; v->meta = 1;
        } else if (field == 7 && wire == 2) {                  /* node_name: ignored, as TensorBoard does */
            if ((rc = skip_text(&p, end)) != OK) return rc;    /* protobuf rejects bad UTF-8 here too */
        } else {
            return FALLBACK;                                   /* image, audio, old-style histogram, ... */
        }
    }
    if (v->kind < 0) return FALLBACK;
    if (v->meta && v->kind != K_SCALAR_TENSOR && v->kind != K_HIST_TENSOR) return FALLBACK;
    return OK;
}

typedef struct {
    Tags tags;
    TagCache cache;
    Cols cols;
    int32_t limit_end, bucket_end;   /* values in H_LIMITS / H_BUCKETS so far */
    size_t input_len;                /* the buffer's size: bucket values never take more than twice it */
} State;

#define PUSH(buf, x) buf_push(&(buf), &(x), sizeof(x))

static int push_scalar(Cols *c, int32_t id, int64_t step, double wall, const Val *v, int64_t offset) {
    uint8_t kind = (uint8_t)(v->kind | (v->meta ? K_META : 0));
    return PUSH(c->sc[SC_TAG], id) || PUSH(c->sc[SC_STEP], step) || PUSH(c->sc[SC_WALL], wall) ||
           PUSH(c->sc[SC_VALUE], v->value) || PUSH(c->sc[SC_OFFSET], offset) || PUSH(c->sc[SC_KIND], kind);
}

#define RESERVE ((size_t)256 << 20)

/* Append the bucket columns of v: legacy lists are copied, tensor columns gathered and widened. */
static int push_buckets(State *s, const Val *v) {
    Cols *c = &s->cols;
    /* Room for every bucket value the buffer can hold (up to RESERVE), taken at once: growing by
     * doubling would copy tens of MB each time, and pages never written are never faulted in. */
    size_t room = 2 * s->input_len < RESERVE ? 2 * s->input_len : RESERVE;
    if (!c->h[H_LIMITS].cap && (buf_grow(&c->h[H_LIMITS], room) || buf_grow(&c->h[H_BUCKETS], room)))
        return FAIL;
    uint64_t n = v->kind == K_HISTO ? v->n_limits : v->k, m = v->kind == K_HISTO ? v->n_buckets : v->k;
    if ((uint64_t)s->limit_end + n > INT32_MAX || (uint64_t)s->bucket_end + m > INT32_MAX) return FALLBACK;
    if (v->kind == K_HISTO) {
        if (buf_push(&c->h[H_LIMITS], v->limits, 8 * n) || buf_push(&c->h[H_BUCKETS], v->buckets, 8 * m)) return FAIL;
    } else {
        for (uint64_t i = 0; i < v->k; i++) {
            double right = element(v, 3 * i + 1), count = element(v, 3 * i + 2);
            if (PUSH(c->h[H_LIMITS], right) || PUSH(c->h[H_BUCKETS], count)) return FAIL;
        }
    }
    s->limit_end += (int32_t)n;
    s->bucket_end += (int32_t)m;
    return PUSH(c->h[H_LIMIT_END], s->limit_end) || PUSH(c->h[H_BUCKET_END], s->bucket_end) ? FAIL : OK;
}

static int push_histogram(State *s, int32_t id, int64_t step, double wall, const Val *v, int64_t offset) {
    Cols *c = &s->cols;
    uint8_t kind = (uint8_t)(v->kind | (v->meta ? K_META : 0));
    int64_t pos = (int64_t)(c->sc[SC_TAG].len / 4);           /* scalar rows before this one */
    int rc = push_buckets(s, v);
    if (rc != OK) return rc;
    if (PUSH(c->h[H_TAG], id) || PUSH(c->h[H_STEP], step) || PUSH(c->h[H_WALL], wall) ||
        PUSH(c->h[H_MIN], v->stat[0]) || PUSH(c->h[H_MAX], v->stat[1]) || PUSH(c->h[H_NUM], v->stat[2]) ||
        PUSH(c->h[H_SUM], v->stat[3]) || PUSH(c->h[H_SUMSQ], v->stat[4]) || PUSH(c->h[H_OFFSET], offset) ||
        PUSH(c->h[H_KIND], kind) || PUSH(c->h[H_POS], pos))
        return FAIL;
    return OK;
}

/* Decode one Event payload into cols; on FALLBACK nothing is appended. */
static int decode_event(State *s, const uint8_t *p, const uint8_t *end, int64_t rec_offset) {
    double wall = 0;
    int64_t step = 0;
    const uint8_t *summary = NULL, *summary_end = NULL;
    uint64_t n;
    while (p < end) {
        uint64_t field;
        int wire;
        if (read_key(&p, end, &field, &wire)) return FALLBACK;
        if (field == 1 && wire == 1) {
            if (end - p < 8) return FALLBACK;
            memcpy(&wall, p, 8); p += 8;
        } else if (field == 2 && wire == 0) {
            if (read_varint(&p, end, &n)) return FALLBACK;
            step = (int64_t)n;
        } else if (field == 5 && wire == 2) {
            if (read_len(&p, end, &n) || summary) return FALLBACK;
            summary = p; summary_end = p + n; p += n;
        } else if (field == 10 && wire == 2) {                 /* source_metadata: checked, not data */
            int rc;
            if (read_len(&p, end, &n)) return FALLBACK;
            if ((rc = check_source_metadata(p, p + n)) != OK) return rc;
            p += n;
        } else {
            return FALLBACK;
        }
    }
    if (!summary) return FALLBACK;
    size_t sc_mark[SC_N], h_mark[H_N];
    for (int i = 0; i < SC_N; i++) sc_mark[i] = s->cols.sc[i].len;
    for (int i = 0; i < H_N; i++) h_mark[i] = s->cols.h[i].len;
    int32_t limit_mark = s->limit_end, bucket_mark = s->bucket_end;
    const uint8_t *q = summary;
    int rows = 0;
    while (q < summary_end) {
        uint64_t field;
        int wire, rc = FALLBACK;
        Val v;
        if (!read_key(&q, summary_end, &field, &wire) && field == 1 && wire == 2 && !read_len(&q, summary_end, &n)) {
            rc = decode_value(q, q + n, &v);
            q += n;
        }
        int32_t id = rc == OK ? cached_tag_id(&s->tags, &s->cache, v.tag, v.tag_len) : -1;
        if (rc == OK && id >= 0) {
            rc = v.kind <= K_SCALAR_TENSOR ? (push_scalar(&s->cols, id, step, wall, &v, rec_offset) ? FAIL : OK)
                                           : push_histogram(s, id, step, wall, &v, rec_offset);
            if (rc == FAIL) { PyErr_NoMemory(); return FAIL; }
        }
        if (rc != OK || id < 0) {
            for (int i = 0; i < SC_N; i++) s->cols.sc[i].len = sc_mark[i];
            for (int i = 0; i < H_N; i++) s->cols.h[i].len = h_mark[i];
            s->limit_end = limit_mark;
            s->bucket_end = bucket_mark;
            return PyErr_Occurred() ? FAIL : FALLBACK;           /* malformed values are Python's to report */
        }
        rows++;
    }
    return rows ? OK : FALLBACK;
}

/* ---------- the module function ---------- */

#define MAX_RECORD ((uint64_t)1 << 31)

static void free_state(State *s, Buf *other) {
    for (int i = 0; i < SC_N; i++) Py_CLEAR(s->cols.sc[i].obj);
    for (int i = 0; i < H_N; i++) Py_CLEAR(s->cols.h[i].obj);
    Py_CLEAR(other->obj);
}

/* The histogram columns as a tuple of bytes, in H_* order. */
static PyObject *take_histograms(Cols *c) {
    PyObject *out = PyTuple_New(H_N);
    if (!out) return NULL;
    for (int i = 0; i < H_N; i++) {
        PyObject *b = buf_take(&c->h[i]);
        if (!b) { Py_DECREF(out); return NULL; }
        PyTuple_SET_ITEM(out, i, b);
    }
    return out;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer view;
    int verify = 1;
    if (!PyArg_ParseTuple(args, "y*|p", &view, &verify)) return NULL;
    const uint8_t *base = view.buf, *end = base + view.len, *p = base;
    State *s = PyMem_Calloc(1, sizeof *s);  /* the tag cache is too big for a thread's stack */
    if (!s) { PyBuffer_Release(&view); return PyErr_NoMemory(); }
    s->input_len = (size_t)view.len;
    Buf other = {0};
    PyObject *problems = PyList_New(0);
    s->tags.list = PyList_New(0);
    s->tags.index = PyDict_New();
    PyObject *result = NULL;
    int status = STATUS_DONE;
    if (!problems || !s->tags.list || !s->tags.index) goto done;
    while (p < end) {
        if (end - p < 12) { status = STATUS_TRUNCATED; break; }
        uint64_t len;
        uint32_t len_crc, data_crc;
        memcpy(&len, p, 8);
        memcpy(&len_crc, p + 8, 4);
        if (verify && masked_crc(p, 8) != len_crc) { status = STATUS_LENGTH_CRC; break; }
        if (len > MAX_RECORD) { status = STATUS_BAD_LENGTH; break; }
        if ((uint64_t)(end - p) < 16 + len) { status = STATUS_TRUNCATED; break; }
        const uint8_t *body = p + 12;
        memcpy(&data_crc, body + len, 4);
        int64_t rec_offset = (int64_t)(p - base);
        if (verify && masked_crc(body, len) != data_crc) {
            PyObject *item = Py_BuildValue("(sL)", "payload_crc", (long long)rec_offset);
            if (!item || PyList_Append(problems, item)) { Py_XDECREF(item); goto done; }
            Py_DECREF(item);
        } else {
            int rc = decode_event(s, body, body + len, rec_offset);
            if (rc == FAIL) goto done;
            if (rc == FALLBACK) {
                int64_t pair[2] = {(int64_t)(body - base), (int64_t)len};
                if (buf_push(&other, pair, 16)) { PyErr_NoMemory(); goto done; }
            }
        }
        p = body + len + 4;
    }
    result = Py_BuildValue("(niOONNNNNNNN)", (Py_ssize_t)(p - base), status, problems, s->tags.list,
                           buf_take(&s->cols.sc[SC_TAG]), buf_take(&s->cols.sc[SC_STEP]), buf_take(&s->cols.sc[SC_WALL]),
                           buf_take(&s->cols.sc[SC_VALUE]), buf_take(&s->cols.sc[SC_OFFSET]),
                           buf_take(&s->cols.sc[SC_KIND]), take_histograms(&s->cols), buf_take(&other));
done:
    free_state(s, &other);
    Py_XDECREF(problems);
    Py_XDECREF(s->tags.list);
    Py_XDECREF(s->tags.index);
    PyMem_Free(s);
    PyBuffer_Release(&view);
    return result;
}

static PyObject *crc(PyObject *self, PyObject *args) {
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*", &view)) return NULL;
    uint32_t c = masked_crc(view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(c);
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(buffer, verify=True) -> (end, status, problems, tags, scalar columns..., histogram columns, other)"},
    {"masked_crc", crc, METH_VARARGS, "masked_crc(data) -> TFRecord's masked CRC32C"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastscan",
                                    "Bulk TFRecord framing and scalar/histogram extraction.", -1, methods};

/* The codes Python reads back, defined here only: fastpath.py takes them from the module. */
static const struct {
    const char *name;
    long value;
} constants[] = {
    {"STATUS_DONE", STATUS_DONE}, {"STATUS_TRUNCATED", STATUS_TRUNCATED}, {"STATUS_LENGTH_CRC", STATUS_LENGTH_CRC},
    {"STATUS_BAD_LENGTH", STATUS_BAD_LENGTH}, {"KIND_SIMPLE", K_SIMPLE}, {"KIND_SCALAR_TENSOR", K_SCALAR_TENSOR},
    {"KIND_HISTO", K_HISTO}, {"KIND_HISTOGRAM_TENSOR", K_HIST_TENSOR}, {"KIND_META", K_META},
};

PyMODINIT_FUNC PyInit__fastscan(void) {
    crc_init();
    PyObject *m = PyModule_Create(&module);
    for (size_t i = 0; m && i < sizeof constants / sizeof constants[0]; i++)
        if (PyModule_AddIntConstant(m, constants[i].name, constants[i].value)) Py_CLEAR(m);
    return m;
}
