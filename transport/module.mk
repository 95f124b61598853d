# transport/ - carrier links behind one interface: SMPP 3.4 (libsmpp34)
TRANSPORT_SRCS := transport/smpp.c
TRANSPORT_LIB := $(O)/transport/libtransport.a
TRANSPORT_LIBS := $(shell $(PKG_CONFIG) --libs libsmpp34)

$(TRANSPORT_LIB): $(TRANSPORT_SRCS:%.c=$(O)/%.o)
$(O)/transport/%.o: CPPFLAGS += $(shell $(PKG_CONFIG) --cflags libsmpp34)
