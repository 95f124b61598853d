/*
 * NAME
 *	smpp_int - what the tests may do to an SMPP transport
 * DESCRIPTION
 *	A seam for tests and fuzz targets only: hand a link a socket that
 *	is already connected to a peer (one end of a socketpair), so that
 *	bind, framing, unpacking and answers run as they do over TCP.
 */
#ifndef TRANSPORT_SMPP_INT_H
#define TRANSPORT_SMPP_INT_H

#include "transport/transport.h"

/*
 * smpp_adopt - take fd, a non-blocking stream socket connected to an
 * SMSC, as link k's connection (0: the transceiver or transmitter, 1:
 * the receiver); the next tp_poll binds on it. The transport closes fd.
 */
void smpp_adopt(struct transport *t, unsigned k, int fd);

#endif /* TRANSPORT_SMPP_INT_H */
