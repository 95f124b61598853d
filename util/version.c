/*
 * NAME
 *	version - the release these programs were built from
 * DESCRIPTION
 *	SMSMILTER_VERSION is given by the Makefile, which reads it from
 *	the first line of debian/changelog: the one place the version is
 *	written. Only this file sees it, so a new version rebuilds one
 *	object.
 */
#include "util/util.h"

#ifndef SMSMILTER_VERSION
#error "SMSMILTER_VERSION is not defined: build with the Makefile"
#endif

/* ut_version - the version, as "0.1.0" */
const char *
ut_version(void)
{
	return SMSMILTER_VERSION;
}
