/* _fastscan: the bulk path of the event decoder.
 *
 * One call walks a buffer of TFRecord-framed Event protos, checks both masked CRC32C checksums
 * of every record, and decodes the records that carry only scalar summary values (legacy
 * simple_value, or a 0-d float/double tensor without metadata) straight into column buffers.
 * Every other record (file_version, graphs, metadata-bearing values, images, ...) is handed
 * back by position for the protobuf runtime in Python to decode. Python owns all policy: this
 * file only frames, checks and extracts.
 *
 * Returned tuple (see loaders/fastpath.py, which wraps it):
 *   end        int    bytes consumed (relative to the buffer start): resume there
 *   status     int    0 done, 1 truncated final record, 2 bad length checksum, 3 absurd length
 *   problems   list   (kind, relative record offset) of records skipped for a bad payload checksum
 *   tags       list   tag bytes, in order of first appearance (the dictionary of tag_idx)
 *   tag_idx    bytes  int32 per scalar row
 *   step       bytes  int64 per scalar row
 *   wall_time  bytes  float64 per scalar row
 *   value      bytes  float64 per scalar row
 *   offset     bytes  int64 per scalar row: relative offset of the record header
 *   kind       bytes  uint8 per scalar row: 0 simple_value, 1 tensor without metadata
 *   other      bytes  int64 pairs (relative payload start, payload length) of records left to Python
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
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

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

static int buf_push(Buf *b, const void *src, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n) cap *= 2;
        char *d = PyMem_Realloc(b->data, cap);
        if (!d) return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return 0;
}

static PyObject *buf_take(Buf *b) {
    PyObject *o = PyBytes_FromStringAndSize(b->data ? b->data : "", (Py_ssize_t)b->len);
    PyMem_Free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    return o;
}

/* ---------- protobuf wire helpers ---------- */

static int read_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out) {
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        uint8_t byte = *p++;
        v |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *out = v;
            *pp = p;
            return 0;
        }
    }
    return -1;
}

/* Skip one field of the given wire type; -1 on malformed input or a group. */
static int skip_field(const uint8_t **pp, const uint8_t *end, int wire) {
    uint64_t n;
    switch (wire) {
    case 0: return read_varint(pp, end, &n);
    case 1: if (end - *pp < 8) return -1; *pp += 8; return 0;
    case 5: if (end - *pp < 4) return -1; *pp += 4; return 0;
    case 2:
        if (read_varint(pp, end, &n) || (uint64_t)(end - *pp) < n) return -1;
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

/* A small cache in front of the dict: consecutive records usually repeat the same few tags. */
#define TAG_CACHE 64
typedef struct {
    char valid[TAG_CACHE];
    size_t len[TAG_CACHE];
    int32_t id[TAG_CACHE];
    char bytes[TAG_CACHE][64];
} TagCache;

static int32_t cached_tag_id(Tags *t, TagCache *c, const uint8_t *p, size_t n) {
    uint32_t h = (uint32_t)n * 2654435761u;
    for (size_t i = 0; i < n && i < 16; i++) h = (h ^ p[i]) * 16777619u;
    h %= TAG_CACHE;
    if (c->valid[h] && c->len[h] == n && memcmp(c->bytes[h], p, n) == 0) return c->id[h];
    int32_t id = tag_id(t, p, n);
    if (id >= 0 && n <= 64) {
        memcpy(c->bytes[h], p, n);
        c->len[h] = n;
        c->valid[h] = 1;
        c->id[h] = id;
    }
    return id;
}

/* ---------- decoding one record ---------- */

typedef struct {
    Buf tag_idx, step, wall, value, offset, kind;
} Cols;

enum { OK = 0, FALLBACK = 1, FAIL = -1 };

/* A 0-d DT_FLOAT/DT_DOUBLE TensorProto with exactly one value; anything else -> FALLBACK. */
static int decode_scalar_tensor(const uint8_t *p, const uint8_t *end, double *out) {
    uint64_t dtype = 0, n;
    int width = 0;                                            /* bytes of the one value found */
    double v = 0;
    while (p < end) {
        uint64_t key;
        if (read_varint(&p, end, &key)) return FALLBACK;
        int field = (int)(key >> 3), wire = (int)(key & 7);
        if (field == 1 && wire == 0) {
            if (read_varint(&p, end, &dtype)) return FALLBACK;
        } else if (field == 2 && wire == 2) {                 /* tensor_shape: must be empty (0-d) */
            if (read_varint(&p, end, &n) || n != 0) return FALLBACK;
        } else if (field == 3 && wire == 0) {                 /* version_number */
            if (read_varint(&p, end, &n)) return FALLBACK;
        } else if (field == 5 && (wire == 2 || wire == 5)) { /* float_val, packed or not */
            if (wire == 2 && (read_varint(&p, end, &n) || n != 4)) return FALLBACK;
            if (end - p < 4 || width) return FALLBACK;
            float f; memcpy(&f, p, 4); p += 4; v = f; width = 4;
        } else if (field == 6 && (wire == 2 || wire == 1)) { /* double_val */
            if (wire == 2 && (read_varint(&p, end, &n) || n != 8)) return FALLBACK;
            if (end - p < 8 || width) return FALLBACK;
            memcpy(&v, p, 8); p += 8; width = 8;
        } else if (field == 4 && wire == 2) {                 /* tensor_content, little-endian */
            if (read_varint(&p, end, &n) || (uint64_t)(end - p) < n || width) return FALLBACK;
            if (n == 4) { float f; memcpy(&f, p, 4); v = f; }
            else if (n == 8) memcpy(&v, p, 8);
            else return FALLBACK;
            p += n; width = (int)n;
        } else {
            return FALLBACK;
        }
    }
    if ((dtype == 1 && width == 4) || (dtype == 2 && width == 8)) { *out = v; return OK; }
    return FALLBACK;
}

/* One Summary.Value: only a tag plus simple_value, or a tag plus a scalar tensor, is taken. */
static int decode_value(const uint8_t *p, const uint8_t *end, const uint8_t **tag, size_t *tag_len,
                        double *value, uint8_t *kind) {
    int have = 0, have_tensor = 0;
    uint64_t n;
    *tag = (const uint8_t *)"";
    *tag_len = 0;
    while (p < end) {
        uint64_t key;
        if (read_varint(&p, end, &key)) return FAIL;
        int field = (int)(key >> 3), wire = (int)(key & 7);
        if (field == 1 && wire == 2) {
            if (read_varint(&p, end, &n) || (uint64_t)(end - p) < n) return FAIL;
            *tag = p; *tag_len = n; p += n;
        } else if (field == 2 && wire == 5) {
            float f; if (end - p < 4) return FAIL;
            memcpy(&f, p, 4); p += 4; *value = f; *kind = 0; have = 1;
        } else if (field == 8 && wire == 2) {
            /* a second tensor field is merged into the first by protobuf: left to Python */
            if (read_varint(&p, end, &n) || (uint64_t)(end - p) < n || have_tensor) return FALLBACK;
            if (decode_scalar_tensor(p, p + n, value) != OK) return FALLBACK;
            p += n; *kind = 1; have = have_tensor = 1;
        } else if (field == 7 && wire == 2) {                  /* node_name: ignored, as TensorBoard does */
            const uint8_t *name = p;
            if (skip_field(&p, end, wire)) return FAIL;
            read_varint(&name, p, &n);                         /* cannot fail: skip_field just read it */
            int valid = valid_utf8(name, (size_t)(p - name));  /* protobuf rejects bad UTF-8 here too */
            if (valid <= 0) return valid < 0 ? FAIL : FALLBACK;
        } else {
            return FALLBACK;                                   /* metadata, image, histo, audio, ... */
        }
    }
    return have ? OK : FALLBACK;
}

typedef struct {
    Tags tags;
    TagCache cache;
    Cols cols;
} State;

/* Decode one Event payload into cols; on FALLBACK nothing is appended. */
static int decode_event(State *s, const uint8_t *p, const uint8_t *end, int64_t rec_offset) {
    double wall = 0;
    int64_t step = 0;
    const uint8_t *summary = NULL, *summary_end = NULL;
    uint64_t n;
    while (p < end) {
        uint64_t key;
        if (read_varint(&p, end, &key)) return FALLBACK;
        int field = (int)(key >> 3), wire = (int)(key & 7);
        if (field == 1 && wire == 1) {
            if (end - p < 8) return FALLBACK;
            memcpy(&wall, p, 8); p += 8;
        } else if (field == 2 && wire == 0) {
            if (read_varint(&p, end, &n)) return FALLBACK;
            step = (int64_t)n;
        } else if (field == 5 && wire == 2) {
            if (read_varint(&p, end, &n) || (uint64_t)(end - p) < n || summary) return FALLBACK;
            summary = p; summary_end = p + n; p += n;
        } else if (field == 10 && wire == 2) {                 /* source_metadata: not data */
            if (skip_field(&p, end, wire)) return FALLBACK;
        } else {
            return FALLBACK;
        }
    }
    if (!summary) return FALLBACK;
    size_t mark[6] = {s->cols.tag_idx.len, s->cols.step.len, s->cols.wall.len,
                      s->cols.value.len, s->cols.offset.len, s->cols.kind.len};
    const uint8_t *q = summary;
    int rows = 0;
    while (q < summary_end) {
        uint64_t key;
        int rc = FALLBACK;
        const uint8_t *tag = NULL;
        size_t tag_len = 0;
        double value = 0;
        uint8_t kind = 0;
        if (!read_varint(&q, summary_end, &key) && key == ((1 << 3) | 2) && !read_varint(&q, summary_end, &n) &&
            (uint64_t)(summary_end - q) >= n) {
            rc = decode_value(q, q + n, &tag, &tag_len, &value, &kind);
            q += n;
        }
        int32_t id = rc == OK ? cached_tag_id(&s->tags, &s->cache, tag, tag_len) : -1;
        if (rc != OK || id < 0) {
            s->cols.tag_idx.len = mark[0]; s->cols.step.len = mark[1]; s->cols.wall.len = mark[2];
            s->cols.value.len = mark[3]; s->cols.offset.len = mark[4]; s->cols.kind.len = mark[5];
            return (id < 0 && PyErr_Occurred()) ? FAIL : FALLBACK;
        }
        if (buf_push(&s->cols.tag_idx, &id, 4) || buf_push(&s->cols.step, &step, 8) ||
            buf_push(&s->cols.wall, &wall, 8) || buf_push(&s->cols.value, &value, 8) ||
            buf_push(&s->cols.offset, &rec_offset, 8) || buf_push(&s->cols.kind, &kind, 1)) {
            PyErr_NoMemory();
            return FAIL;
        }
        rows++;
    }
    return rows ? OK : FALLBACK;
}

/* ---------- the module function ---------- */

#define MAX_RECORD ((uint64_t)1 << 31)

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer view;
    int verify = 1;
    if (!PyArg_ParseTuple(args, "y*|p", &view, &verify)) return NULL;
    const uint8_t *base = view.buf, *end = base + view.len, *p = base;
    State s;
    memset(&s, 0, sizeof s);
    Buf other = {0};
    PyObject *problems = PyList_New(0);
    s.tags.list = PyList_New(0);
    s.tags.index = PyDict_New();
    PyObject *result = NULL;
    int status = 0;
    if (!problems || !s.tags.list || !s.tags.index) goto done;
    while (p < end) {
        if (end - p < 12) { status = 1; break; }
        uint64_t len;
        uint32_t len_crc, data_crc;
        memcpy(&len, p, 8);
        memcpy(&len_crc, p + 8, 4);
        if (verify && masked_crc(p, 8) != len_crc) { status = 2; break; }
        if (len > MAX_RECORD) { status = 3; break; }
        if ((uint64_t)(end - p) < 16 + len) { status = 1; break; }
        const uint8_t *body = p + 12;
        memcpy(&data_crc, body + len, 4);
        int64_t rec_offset = (int64_t)(p - base);
        if (verify && masked_crc(body, len) != data_crc) {
            PyObject *item = Py_BuildValue("(sL)", "payload_crc", (long long)rec_offset);
            if (!item || PyList_Append(problems, item)) { Py_XDECREF(item); goto done; }
            Py_DECREF(item);
        } else {
            int rc = decode_event(&s, body, body + len, rec_offset);
            if (rc == FAIL) goto done;
            if (rc == FALLBACK) {
                int64_t pair[2] = {(int64_t)(body - base), (int64_t)len};
                if (buf_push(&other, pair, 16)) { PyErr_NoMemory(); goto done; }
            }
        }
        p = body + len + 4;
    }
    result = Py_BuildValue("(niOONNNNNNN)", (Py_ssize_t)(p - base), status, problems, s.tags.list,
                           buf_take(&s.cols.tag_idx), buf_take(&s.cols.step), buf_take(&s.cols.wall),
                           buf_take(&s.cols.value), buf_take(&s.cols.offset), buf_take(&s.cols.kind),
                           buf_take(&other));
done:
    PyMem_Free(s.cols.tag_idx.data); PyMem_Free(s.cols.step.data); PyMem_Free(s.cols.wall.data);
    PyMem_Free(s.cols.value.data); PyMem_Free(s.cols.offset.data); PyMem_Free(s.cols.kind.data);
    PyMem_Free(other.data);
    Py_XDECREF(problems);
    Py_XDECREF(s.tags.list);
    Py_XDECREF(s.tags.index);
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
    {"scan", scan, METH_VARARGS, "scan(buffer, verify=True) -> (end, status, problems, tags, columns..., other)"},
    {"masked_crc", crc, METH_VARARGS, "masked_crc(data) -> TFRecord's masked CRC32C"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastscan", "Bulk TFRecord framing and scalar extraction.", -1, methods};

PyMODINIT_FUNC PyInit__fastscan(void) {
    crc_init();
    return PyModule_Create(&module);
}
