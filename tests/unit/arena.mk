# unit/arena.mk: build fragment (owned by its component; sources are added with +=)
