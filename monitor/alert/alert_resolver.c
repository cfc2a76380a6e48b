/* alert_resolver.c -- the resolver's outages (daemon/cycle.c records them) become messages.
 * One root cause, one message when it begins and one when it ends: never a mail per target. */
#include "monitor/alert/alert_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One message: the outage began (closing false) or ended. Returns rows queued. */
static int outage_message(alert_t *a, const store_alert_outage_t *o, bool closing, int64_t now)
{
	alert_msg_t m;
	alert_item_t *it;
	size_t cap = 0;
	int queued;

	memset(&m, 0, sizeof(m));
	m.kind = ALERT_MSG_RESOLVER;
	it = alert_item_add(&m, &cap, closing ? ALERT_ITEM_RESOLVER_UP : ALERT_ITEM_RESOLVER_DOWN);
	it->at = o->started;
	it->closed = o->ended;
	snprintf(it->resolver, sizeof(it->resolver), "%s", o->resolver);
	snprintf(it->detail, sizeof(it->detail), "%s", o->reason);
	queued = alert_queue_add(a, &m, now);
	free(m.items);
	alert_db(a, store_alert_outage_mark(a->store, o->id, closing, now));
	return queued;
}

int alert_resolver_produce(alert_t *a, int64_t now)
{
	store_alert_outage_t *o = NULL;
	int n = (int)alert_db(a, store_alert_outages(a->store, &o)), queued = 0;

	for (int i = 0; i < n; i++) {
		if (o[i].opening)
			queued += outage_message(a, &o[i], false, now);
		if (o[i].ended)
			queued += outage_message(a, &o[i], true, now);
	}
	free(o);
	return queued;
}
