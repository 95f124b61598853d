# transport/ - carrier links behind one interface: SMPP 3.4 (libsmpp34),
# a REST provider and Kannel (libcurl, jansson; nettle for signatures)
TRANSPORT_SRCS := transport/transport.c transport/smpp.c transport/web.c \
	transport/http.c transport/kannel.c transport/signature.c \
	transport/fetch.c
TRANSPORT_LIB := $(O)/transport/libtransport.a
TRANSPORT_LIBS := $(shell $(PKG_CONFIG) --libs libsmpp34 libcurl jansson nettle)

$(TRANSPORT_LIB): $(TRANSPORT_SRCS:%.c=$(O)/%.o)
$(O)/transport/%.o: CPPFLAGS += $(shell $(PKG_CONFIG) --cflags libsmpp34 libcurl jansson nettle)
