/* api_cluster.c -- GET /api/v1/cluster: the nodes sharing the database, what each holds, when it renewed.
 * Read from the lease rows every node writes: any node shows the same cluster. */
#include "web/api_int.h"

#include <stdlib.h>
#include <string.h>

#include "checks/dnsbl.h"
#include "lib/jsonx.h"
#include "store/store_cluster.h"

bool api_node_live(const api_ctx_t *c, const store_cluster_node_t *n)
{
	if (c->lease_s)
		return n->seen > c->now - (int64_t)c->lease_s;
	return n->expires > c->now;
}

cJSON *api_cluster(store_t *s, const api_ctx_t *c, char *err, size_t errlen)
{
	store_cluster_node_t *nodes = NULL;
	store_cluster_view_t *views = NULL;
	cJSON *doc, *arr;
	int n, nv = 0, held = 0;

	if (api_begin(s, err, errlen) < 0)
		return NULL;
	if ((n = store_cluster_nodes(s, c->now, &nodes)) < 0 ||
	    (nv = store_cluster_list_views(s, 0, 0, &views)) < 0) {
		api_dberr(s, err, errlen);
		api_end(s);
		free(nodes);
		return NULL;
	}
	api_end(s);
	doc = cJSON_CreateObject();
	jsonx_add_time(doc, "generated_at", c->now);
	cJSON_AddNumberToObject(doc, "shards", STORE_CLUSTER_SHARDS);
	/* the node answering: null when blmon runs alone (the dashboard shows no cluster) */
	jsonx_add_text(doc, "this_node", c->node);
	jsonx_add_num_or_null(doc, "lease_seconds", c->lease_s, c->node != NULL);
	arr = cJSON_AddArrayToObject(doc, "nodes");
	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject(), *lists;
		cJSON_AddItemToArray(arr, o);
		jsonx_add_str(o, "node", nodes[i].node);
		jsonx_add_time(o, "last_renewal", nodes[i].seen);
		/* false: its resolver failed at its last renewal, and it gave its shards away */
		cJSON_AddBoolToObject(o, "can_check", nodes[i].healthy);
		cJSON_AddNumberToObject(o, "shards", nodes[i].shards);
		cJSON_AddBoolToObject(o, "coordinator", nodes[i].coordinator);
		jsonx_add_time(o, "lease_expires", nodes[i].expires);
		/* false: it has not renewed for a lease (killed, or cut off from the database),
		 * so the others have taken what it held */
		cJSON_AddBoolToObject(o, "live", api_node_live(c, &nodes[i]));
		held += nodes[i].shards;
		/* what this node's own tests found of each list: where nodes disagree, the
		 * list's health is ok, and this is where the disagreement shows */
		lists = cJSON_AddArrayToObject(o, "lists");
		for (int k = 0; k < nv; k++) {
			cJSON *l;
			if (strcmp(views[k].node, nodes[i].node))
				continue;
			l = cJSON_CreateObject();
			cJSON_AddItemToArray(lists, l);
			jsonx_add_str(l, "zone", views[k].zone);
			cJSON_AddStringToObject(l, "health", dnsbl_health_name(views[k].health));
			jsonx_add_str(l, "detail", views[k].detail);
			jsonx_add_time(l, "tested_at", views[k].at);
			/* its own copy of a list answered from data files: each node mirrors or
			 * reads its own */
			jsonx_add_time(l, "data_updated_at", views[k].data_at);
		}
	}
	/* shards no live node holds: nobody checks their targets until one is taken */
	cJSON_AddNumberToObject(doc, "shards_unheld", n ? STORE_CLUSTER_SHARDS - held : 0);
	free(nodes);
	free(views);
	return doc;
}
