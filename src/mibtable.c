#include "mibtable.h"

#include <net-snmp/agent/net-snmp-agent-includes.h>

/* Compares a row's index with an OID suffix, like snmp_oid_compare. */
static int compare_row(const struct mibtable *t, size_t row, const oid *suffix,
		       size_t suffix_len)
{
	oid index[MIBTABLE_MAX_INDEX];
	t->index(t->ctx, row, index);
	return snmp_oid_compare(index, t->index_len, suffix, suffix_len);
}

/* First row whose index is above suffix (at or above it when inclusive):
 * binary search over the ascending rows. */
static size_t lower_bound(const struct mibtable *t, const oid *suffix,
			  size_t suffix_len, bool inclusive)
{
	size_t lo = 0, hi = t->rows(t->ctx);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = compare_row(t, mid, suffix, suffix_len);
		if (c > 0 || (inclusive && c == 0))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int mibtable_find_exact(const struct mibtable *t, const oid *name, size_t len,
			struct mibtable_hit *hit)
{
	if (len <= t->entry_len || snmp_oid_compare(name, t->entry_len, t->entry, t->entry_len) != 0)
		return SNMP_NOSUCHOBJECT;
	oid column = name[t->entry_len];
	if (column < t->min_column || column > t->max_column)
		return SNMP_NOSUCHOBJECT;
	const oid *suffix = name + t->entry_len + 1;
	size_t suffix_len = len - t->entry_len - 1;
	if (suffix_len != t->index_len)
		return SNMP_NOSUCHINSTANCE;
	size_t row = lower_bound(t, suffix, suffix_len, true);
	if (row == t->rows(t->ctx) || compare_row(t, row, suffix, suffix_len) != 0)
		return SNMP_NOSUCHINSTANCE;
	hit->row = row;
	hit->column = (unsigned)column;
	return 0;
}

int mibtable_find_next(const struct mibtable *t, const oid *name, size_t len,
		       bool inclusive, struct mibtable_hit *hit,
		       netsnmp_variable_list *vb)
{
	unsigned column = t->min_column;
	const oid *suffix = NULL;
	size_t suffix_len = 0;

	/* Where in the table does name point? */
	size_t common = len < t->entry_len ? len : t->entry_len;
	int c = snmp_oid_compare(name, common, t->entry, common);
	if (c > 0)
		return -1; /* beyond the table */
	if (c == 0 && len > t->entry_len) {
		if (name[t->entry_len] > t->max_column)
			return -1;
		if (name[t->entry_len] >= t->min_column) {
			column = (unsigned)name[t->entry_len];
			suffix = name + t->entry_len + 1;
			suffix_len = len - t->entry_len - 1;
		}
	}

	size_t nrows = t->rows(t->ctx);
	for (; column <= t->max_column; column++, suffix_len = 0) {
		/* An empty suffix lies before every row. */
		size_t row = suffix_len ? lower_bound(t, suffix, suffix_len, inclusive) : 0;
		for (; row < nrows; row++) {
			if (t->value(t->ctx, row, column, vb) == 0) {
				hit->row = row;
				hit->column = column;
				return 0;
			}
		}
	}
	return -1;
}

size_t mibtable_instance_oid(const struct mibtable *t, const struct mibtable_hit *hit,
			     oid *out)
{
	memcpy(out, t->entry, t->entry_len * sizeof(oid));
	out[t->entry_len] = hit->column;
	t->index(t->ctx, hit->row, out + t->entry_len + 1);
	return t->entry_len + 1 + t->index_len;
}

static void answer_get(struct mibtable *t, netsnmp_agent_request_info *reqinfo,
		       netsnmp_request_info *req)
{
	netsnmp_variable_list *vb = req->requestvb;
	struct mibtable_hit hit;
	int rc = mibtable_find_exact(t, vb->name, vb->name_length, &hit);
	if (rc == 0 && t->value(t->ctx, hit.row, hit.column, vb) != 0)
		rc = SNMP_NOSUCHINSTANCE;
	if (rc != 0)
		netsnmp_set_request_error(reqinfo, req, rc);
}

static void answer_getnext(struct mibtable *t, netsnmp_request_info *req)
{
	netsnmp_variable_list *vb = req->requestvb;
	struct mibtable_hit hit;
	/* Found nothing: the varbind stays untouched and the agent carries
	 * the search on to the next registered subtree. */
	if (mibtable_find_next(t, vb->name, vb->name_length, req->inclusive, &hit, vb) != 0)
		return;
	oid name[MAX_OID_LEN];
	size_t len = mibtable_instance_oid(t, &hit, name);
	snmp_set_var_objid(vb, name, len);
}

static int mibtable_handler(netsnmp_mib_handler *handler,
			    netsnmp_handler_registration *reginfo,
			    netsnmp_agent_request_info *reqinfo,
			    netsnmp_request_info *requests)
{
	struct mibtable *t = handler->myvoid;
	if (t->prepare)
		t->prepare(t->ctx);
	for (netsnmp_request_info *req = requests; req; req = req->next) {
		if (req->processed)
			continue;
		switch (reqinfo->mode) {
		case MODE_GET:
			answer_get(t, reqinfo, req);
			break;
		case MODE_GETNEXT:
			answer_getnext(t, req);
			break;
		default:
			netsnmp_set_request_error(reqinfo, req, SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

int mibtable_register(struct mibtable *t)
{
	netsnmp_mib_handler *handler = netsnmp_create_handler(t->name, mibtable_handler);
	if (!handler)
		return -1;
	handler->myvoid = t;
	/* The registration covers the entry's subtree, or for scalars the
	 * group: everything the table can answer. */
	netsnmp_handler_registration *reg = netsnmp_handler_registration_create(
		t->name, handler, t->entry, t->entry_len, HANDLER_CAN_RONLY);
	if (!reg)
		return -1;
	return netsnmp_register_handler(reg) == MIB_REGISTERED_OK ? 0 : -1;
}
