/*
 * NAME
 *	floor_milter - the least a milter can do that smsmilter does to
 *	mail with no SMS recipient, for make bench
 * SYNOPSIS
 *	floor_milter unix:/path
 * DESCRIPTION
 *	Negotiates the same steps as smsmilter (no connect, HELO, unknown
 *	or end-of-header events, no reply to MAIL), answers every RCPT
 *	with continue and accepts at DATA. Its throughput behind Postfix
 *	is the floor of what any libmilter filter that must answer at RCPT
 *	can reach; bench/milter.sh prints it beside smsmilter's.
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static sfsistat
on_mail(SMFICTX *ctx, char **argv)
{
	return SMFIS_NOREPLY;
}

static sfsistat
on_rcpt(SMFICTX *ctx, char **argv)
{
	return SMFIS_CONTINUE;
}

static sfsistat
on_data(SMFICTX *ctx)
{
	return SMFIS_ACCEPT;
}

static sfsistat
on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
	     unsigned long f3, unsigned long *pf0, unsigned long *pf1,
	     unsigned long *pf2, unsigned long *pf3)
{
	*pf0 = 0;
	*pf1 = f1 & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOUNKNOWN |
		     SMFIP_NOEOH | SMFIP_NR_MAIL | SMFIP_NOHDRS | SMFIP_NOBODY);
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc desc = {
    .xxfi_name = "floor",
    .xxfi_version = SMFI_VERSION,
    .xxfi_envfrom = on_mail,
    .xxfi_envrcpt = on_rcpt,
    .xxfi_data = on_data,
    .xxfi_negotiate = on_negotiate,
};

int
main(int argc, char **argv)
{
	if (argc != 2 || argv[1][0] != 'u') {
		fprintf(stderr, "usage: floor_milter unix:/path\n");
		return 64;
	}
	unlink(argv[1] + 5);
	if (smfi_register(desc) != MI_SUCCESS ||
	    smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_opensocket(1) != MI_SUCCESS)
		return 71;
	chmod(argv[1] + 5, 0666);
	return smfi_main();
}
