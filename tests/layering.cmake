# Fails if an include crosses the dependency rules of ARCHITECTURE §2:
# router/engine includes no Asio, Beast, hiredis, store/ or gateway/; store/ never includes Beast;
# nothing below gateway/ includes gateway/; core/ includes neither store/ nor router/; conversation/
# includes neither Beast nor the router nor the gateway; reports/ is pure (core and proto only: no
# Asio, Beast, hiredis, store/, router/ or gateway/); channels/ is pure (core and proto); net/ includes
# no Redis nor any layer above core; outbox/ never includes Beast (net/ does), the gateway or the router.
set(rules
  "router/engine|boost/(asio|beast)|hiredis|store/|gateway/"
  "store|boost/beast|gateway/|router/"
  "core|boost/beast|boost/asio|hiredis|gateway/|store/|router/"
  "router|boost/beast|gateway/"
  "conversation|boost/beast|gateway/|router/"
  "reports|boost/(asio|beast)|hiredis|store/|router/|gateway/"
  "channels|boost/(asio|beast)|hiredis|store/|router/|gateway/|conversation/"
  "net|hiredis|store/|router/|gateway/|conversation/|channels/"
  "outbox|boost/beast|gateway/|router/"
  "proto|.")
set(failed "")
foreach(rule IN LISTS rules)
  string(FIND "${rule}" "|" bar)
  string(SUBSTRING "${rule}" 0 ${bar} dir)
  math(EXPR start "${bar} + 1")
  string(SUBSTRING "${rule}" ${start} -1 forbidden)
  if(NOT IS_DIRECTORY "${ROOT}/${dir}")
    continue()
  endif()
  file(GLOB_RECURSE files "${ROOT}/${dir}/*.hpp" "${ROOT}/${dir}/*.cpp" "${ROOT}/${dir}/*.h")
  foreach(f IN LISTS files)
    if(dir STREQUAL "proto")
      continue()
    endif()
    file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](${forbidden})")
    if(lines)
      string(APPEND failed "${f}: ${lines}\n")
    endif()
  endforeach()
endforeach()
if(failed)
  message(FATAL_ERROR "layering violations:\n${failed}")
endif()
message(STATUS "layering: ok")
