/* placeholder until the PostgreSQL schema lands */
#include "store/store_int.h"
const char *
store_pg_migration(int from, int *to_r)
{
	(void)from;
	*to_r = 0;
	return NULL;
}
