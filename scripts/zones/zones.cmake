# zones.cmake - builds the zone file (land, territorial sea, regions) from the
# npm polygon packages pinned in scripts/zones/package-lock.json:
#   npm ci   (in <build>/zones, from the registry or npm's cache)
#   node scripts/zones/build-zones.js <build>/zones/zones.bin <build>/zones/node_modules
# and tells src/geo/zone.c where the file is (MWX_ZONE_DATA_PATH).  Included by
# the top-level CMakeLists.txt after mwx_lib is defined.
find_program(MWX_NODE node REQUIRED)
find_program(MWX_NPM npm REQUIRED)
set(MWX_ZONES_DIR ${CMAKE_BINARY_DIR}/zones)
set(MWX_ZONES_BIN ${MWX_ZONES_DIR}/zones.bin)
set(MWX_ZONES_SRC ${CMAKE_SOURCE_DIR}/scripts/zones)
file(MAKE_DIRECTORY ${MWX_ZONES_DIR})
add_custom_command(
  OUTPUT ${MWX_ZONES_DIR}/node_modules/.package-lock.json
  COMMAND ${CMAKE_COMMAND} -E copy ${MWX_ZONES_SRC}/package.json ${MWX_ZONES_SRC}/package-lock.json ${MWX_ZONES_DIR}
  COMMAND ${MWX_NPM} ci --no-audit --no-fund --ignore-scripts --loglevel=error
  WORKING_DIRECTORY ${MWX_ZONES_DIR}
  DEPENDS ${MWX_ZONES_SRC}/package.json ${MWX_ZONES_SRC}/package-lock.json
  COMMENT "zones: npm ci (polygon packages)")
add_custom_command(
  OUTPUT ${MWX_ZONES_BIN}
  COMMAND ${MWX_NODE} ${MWX_ZONES_SRC}/build-zones.js ${MWX_ZONES_BIN} ${MWX_ZONES_DIR}/node_modules
  DEPENDS ${MWX_ZONES_SRC}/build-zones.js ${MWX_ZONES_DIR}/node_modules/.package-lock.json
  COMMENT "zones: converting polygons into ${MWX_ZONES_BIN}")
add_custom_target(mwx_zones ALL DEPENDS ${MWX_ZONES_BIN})
add_dependencies(mwx_lib mwx_zones)
target_compile_definitions(mwx_lib PRIVATE MWX_ZONE_DATA_PATH="${MWX_ZONES_BIN}")
