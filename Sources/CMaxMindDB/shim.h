/* CMaxMindDB: libmaxminddb (Debian's libmaxminddb-dev), the reader of MaxMind-format (.mmdb)
 * databases that the geoip enrichment step looks client addresses up in. */
#ifndef SMOLHOG_CMAXMINDDB_SHIM_H
#define SMOLHOG_CMAXMINDDB_SHIM_H

#include <maxminddb.h>

#endif
