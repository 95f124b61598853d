/*
 * NAME
 *	people - contacts, groups and opt-outs
 * DESCRIPTION
 *	The address book that resolves alice@sms.example.com and
 *	oncall@sms.example.com, and the list of phones that said STOP.
 */
#include "store/store_int.h"

/* changed - STORE_OK when the last statement changed a row */
static int
changed(struct store *s, const char *what, const char *name,
	struct store_error *err)
{
	if (sq_changes(s) == 0)
		return store_set_error(err, STORE_ENOTFOUND, "no %s \"%s\"",
				       what, name);
	return STORE_OK;
}

/* store_contact_add - add a contact */
int
store_contact_add(struct store *s, const char *name, const char *phone,
		  int64_t now, struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_CONTACT_ADD, err);
	sq_bind_text(st, 1, name);
	sq_bind_text(st, 2, phone);
	sq_bind_int64(st, 3, now);
	rc = store_insert(s, st, "adding a contact", err);
	if (rc == STORE_EDUP)
		return store_set_error(err, STORE_EDUP,
				       "a contact \"%s\" exists already", name);
	return rc;
}

/* store_contact_rm - remove a contact, and from every group */
int
store_contact_rm(struct store *s, const char *name, struct store_error *err)
{
	sq *st;
	int rc = store_begin(s, err);

	if (rc != STORE_OK)
		return rc;
	st = stmt(s, ST_CONTACT_RM, err);
	if (st) {
		sq_bind_text(st, 1, name);
		rc = store_exec(s, st, "removing a contact", err);
		if (rc == STORE_OK)
			rc = changed(s, "contact", name, err);
	} else {
		rc = err ? err->status : STORE_EPERM;
	}
	if (rc == STORE_OK && (st = stmt(s, ST_CONTACT_UNGROUP, err))) {
		sq_bind_text(st, 1, name);
		rc = store_exec(s, st, "removing a contact from groups", err);
	}
	if (rc != STORE_OK) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, err);
}

/* store_contact_get - the number of a contact */
int
store_contact_get(struct store *s, const char *name, char phone_r[20],
		  struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_CONTACT_GET, err);
	sq_bind_text(st, 1, name);
	rc = store_step(st);
	if (rc == SQ_ROW)
		copy_text(st, 0, phone_r, 20);
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc == SQ_DONE)
		return store_set_error(err, STORE_ENOTFOUND,
				       "no contact \"%s\"", name);
	return store_fail_db(s, "finding a contact", err);
}

/* fill_contact - a struct store_contact from a row of ST_CONTACTS */
static void
fill_contact(sq *st, void *p)
{
	struct store_contact *c = p;

	copy_text(st, 0, c->name, sizeof(c->name));
	copy_text(st, 1, c->phone, sizeof(c->phone));
	c->created = sq_column_int64(st, 2);
}

/* store_contacts - all contacts */
int
store_contacts(struct store *s, struct store_contact **contacts_r,
	       unsigned *n_r, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_CONTACTS, err);
	return store_rows(s, st, sizeof(**contacts_r), fill_contact,
			  (void **)contacts_r, n_r, err);
}

/* store_group_add - create a group */
int
store_group_add(struct store *s, const char *name, int64_t now,
		struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_GROUP_ADD, err);
	sq_bind_text(st, 1, name);
	sq_bind_int64(st, 2, now);
	rc = store_insert(s, st, "adding a group", err);
	if (rc == STORE_EDUP)
		return store_set_error(err, STORE_EDUP,
				       "a group \"%s\" exists already", name);
	return rc;
}

/* store_group_rm - delete a group and its members */
int
store_group_rm(struct store *s, const char *name, struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_GROUP_RM, err);
	sq_bind_text(st, 1, name);
	rc = store_exec(s, st, "removing a group", err);
	return rc == STORE_OK ? changed(s, "group", name, err) : rc;
}

/* group_name - the stored spelling of a group's name */
static int
group_name(struct store *s, const char *name, char out[65],
	   struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_GROUP_NAME, err);
	sq_bind_text(st, 1, name);
	rc = store_step(st);
	if (rc == SQ_ROW)
		copy_text(st, 0, out, 65);
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc == SQ_DONE)
		return store_set_error(err, STORE_ENOTFOUND, "no group \"%s\"",
				       name);
	return store_fail_db(s, "finding a group", err);
}

/* store_group_member - add or remove a member */
int
store_group_member(struct store *s, const char *group, const char *member,
		   bool add, struct store_error *err)
{
	char gname[65], phone[20];
	sq *st;
	int rc = group_name(s, group, gname, err);

	if (rc != STORE_OK)
		return rc;
	if (add && member[0] != '+') {
		rc = store_contact_get(s, member, phone, err);
		if (rc != STORE_OK)
			return rc;
	}
	NEED(st, s, add ? ST_MEMBER_ADD : ST_MEMBER_RM, err);
	sq_bind_text(st, 1, gname);
	sq_bind_text(st, 2, member);
	rc = store_exec(s, st, "changing a group", err);
	if (rc == STORE_OK && !add)
		rc = changed(s, "member", member, err);
	return rc;
}

/* fill_group - a struct store_group from a row of ST_GROUPS */
static void
fill_group(sq *st, void *p)
{
	struct store_group *g = p;

	copy_text(st, 0, g->name, sizeof(g->name));
	g->created = sq_column_int64(st, 1);
	g->members = (unsigned)sq_column_int(st, 2);
}

/* store_groups - all groups */
int
store_groups(struct store *s, struct store_group **groups_r, unsigned *n_r,
	     struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_GROUPS, err);
	return store_rows(s, st, sizeof(**groups_r), fill_group,
			  (void **)groups_r, n_r, err);
}

/* fill_number - a number (char[20]) from a row */
static void
fill_number(sq *st, void *p)
{
	copy_text(st, 0, p, 20);
}

/* fill_member - a member (char[65]) from a row */
static void
fill_member(sq *st, void *p)
{
	copy_text(st, 0, p, 65);
}

/* group_list - members or numbers of a group that exists */
static int
group_list(struct store *s, const char *group, enum stmt_id id, size_t size,
	   void (*fill)(sq *, void *), void **out_r, unsigned *n_r,
	   struct store_error *err)
{
	char gname[65];
	sq *st;
	int rc = group_name(s, group, gname, err);

	*out_r = NULL;
	*n_r = 0;
	if (rc != STORE_OK)
		return rc;
	NEED(st, s, id, err);
	sq_bind_text(st, 1, gname);
	return store_rows(s, st, size, fill, out_r, n_r, err);
}

/* store_group_numbers - the numbers a group texts */
int
store_group_numbers(struct store *s, const char *group, char (**numbers_r)[20],
		    unsigned *n_r, struct store_error *err)
{
	return group_list(s, group, ST_GROUP_NUMBERS, 20, fill_number,
			  (void **)numbers_r, n_r, err);
}

/* store_group_members - the members as written */
int
store_group_members(struct store *s, const char *group, char (**members_r)[65],
		    unsigned *n_r, struct store_error *err)
{
	return group_list(s, group, ST_GROUP_MEMBERS, 65, fill_member,
			  (void **)members_r, n_r, err);
}

/* store_optout_add - opt a phone out */
int
store_optout_add(struct store *s, const char *phone, const char *scope,
		 const char *keyword, int64_t now, struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_OPTOUT_ADD, err);
	sq_bind_text(st, 1, phone);
	sq_bind_int64(st, 2, now);
	sq_bind_text(st, 3, keyword);
	sq_bind_text(st, 4, scope);
	return store_exec(s, st, "recording an opt-out", err);
}

/* store_optout_rm - opt a phone back in */
int
store_optout_rm(struct store *s, const char *phone, const char *scope,
		struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_OPTOUT_RM, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, scope);
	rc = store_exec(s, st, "removing an opt-out", err);
	return rc == STORE_OK ? changed(s, "opt-out for", phone, err) : rc;
}

/* store_optout_check - whether a phone opted out */
int
store_optout_check(struct store *s, const char *phone, const char *sender,
		   bool *out_r, char *scope_r, struct store_error *err)
{
	sq *st;
	int rc;

	if (scope_r)
		scope_r[0] = '\0';
	NEED(st, s, ST_OPTOUT_CHECK, err);
	sq_bind_text(st, 1, phone);
	sq_bind_text(st, 2, sender);
	rc = store_step(st);
	*out_r = rc == SQ_ROW && !sq_column_null(st, 0);
	if (*out_r && scope_r)
		copy_text(st, 0, scope_r, 40);
	sq_reset(st);
	if (rc != SQ_ROW)
		return store_fail_db(s, "checking opt-outs", err);
	return STORE_OK;
}

/* fill_optout - a struct store_optout from a row of ST_OPTOUTS */
static void
fill_optout(sq *st, void *p)
{
	struct store_optout *o = p;

	copy_text(st, 0, o->phone, sizeof(o->phone));
	copy_text(st, 1, o->keyword, sizeof(o->keyword));
	o->at = sq_column_int64(st, 2);
	copy_text(st, 3, o->scope, sizeof(o->scope));
}

/* store_optouts - all opt-outs */
int
store_optouts(struct store *s, struct store_optout **optouts_r, unsigned *n_r,
	      struct store_error *err)
{
	sq *st;

	NEED(st, s, ST_OPTOUTS, err);
	return store_rows(s, st, sizeof(**optouts_r), fill_optout,
			  (void **)optouts_r, n_r, err);
}

/* store_contact_of - the name a phone has in the contacts */
int
store_contact_of(struct store *s, const char *phone, char name_r[65],
		 struct store_error *err)
{
	sq *st;
	int rc;

	NEED(st, s, ST_CONTACT_OF, err);
	sq_bind_text(st, 1, phone);
	rc = store_step(st);
	if (rc == SQ_ROW)
		copy_text(st, 0, name_r, 65);
	sq_reset(st);
	if (rc == SQ_ROW)
		return STORE_OK;
	if (rc == SQ_DONE)
		return store_set_error(err, STORE_ENOTFOUND,
				       "%s is not a contact", phone);
	return store_fail_db(s, "finding a contact", err);
}
