# What `cmake --install` puts where, and `make deb` packages (CPack):
#   bin/minga                                 the CLI and server
#   lib/minga/plugins/*.so                    importers and exporters; the
#                                             binary finds them relative to
#                                             itself (core/plugin_host.c)
#   LIBDIR/libminga.so.0                      the public C API (libminga)
#   include/minga/*.h                         its headers; plugin.h and
#                                             version.h for plugin authors
#   LIBDIR/pkgconfig/minga.pc                 flags of a program on libminga
#   LIBDIR/pkgconfig/minga-plugin.pc          plugins' flags and `plugindir`
#   share/man/man1/minga*.1.gz                from the CLI's --help texts
#   share/bash-completion/completions/minga   reads the same help texts
#   lib/systemd/system/minga.service          a hardened unit for `serve`
#   lib/sysusers.d/minga.conf                 its system user
#   share/doc/minga/                          README and docs/
#   share/minga/sample/                       the bundled sample catalog
# GNUInstallDirs is included at the top (install destinations of the
# targets); this file is included last, once every target exists.

install(FILES ${CMAKE_SOURCE_DIR}/include/minga/minga.h
              ${CMAKE_SOURCE_DIR}/include/minga/errors.h
              ${CMAKE_SOURCE_DIR}/include/minga/catalog.h
              ${CMAKE_SOURCE_DIR}/include/minga/search.h
              ${CMAKE_SOURCE_DIR}/include/minga/export.h
              ${CMAKE_SOURCE_DIR}/include/minga/plugin.h
              ${CMAKE_BINARY_DIR}/include/minga/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/minga)

# The plugin ABI's version, as plugin.h states it.
file(STRINGS ${CMAKE_SOURCE_DIR}/include/minga/plugin.h abi_lines
     REGEX "^#define MINGA_ABI_(MAJOR|MINOR) [0-9]+")
string(REGEX MATCH "MAJOR ([0-9]+)" _ "${abi_lines}")
set(MINGA_ABI_MAJOR ${CMAKE_MATCH_1})
string(REGEX MATCH "MINOR ([0-9]+)" _ "${abi_lines}")
set(MINGA_ABI_MINOR ${CMAKE_MATCH_1})

# Written at install time straight into the destination (DESTDIR and
# prefix as `cmake --install --prefix P` or CPack set them), so that the
# .pc points into P and two installs from one build tree do not race.
foreach(pc minga minga-plugin)
  configure_file(${CMAKE_SOURCE_DIR}/data/install/${pc}.pc.in
                 ${CMAKE_BINARY_DIR}/${pc}.pc.in @ONLY)
  install(CODE "
    set(dest \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\")
    file(READ \"${CMAKE_BINARY_DIR}/${pc}.pc.in\" text)
    string(REPLACE \"%PREFIX%\" \"\${CMAKE_INSTALL_PREFIX}\" text
           \"\${text}\")
    file(WRITE \"\${dest}/${CMAKE_INSTALL_LIBDIR}/pkgconfig/${pc}.pc\"
         \"\${text}\")
    message(STATUS \"Installing: \${dest}/${CMAKE_INSTALL_LIBDIR}/pkgconfig/${pc}.pc\")
  ")
endforeach()

# Man pages: generated at install time from the built binary (help2man),
# so a plain build does not pay for them.
find_program(MINGA_HELP2MAN help2man)
if(MINGA_HELP2MAN)
  install(CODE "
    set(man \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_MANDIR}/man1\")
    execute_process(
      COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/make-man.sh
              $<TARGET_FILE:minga> \"\${man}\"
      RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR \"make-man.sh failed: \${rc}\")
    endif()
    file(GLOB pages \"\${man}/minga*.1\")
    foreach(page \${pages})
      execute_process(COMMAND gzip -9n -f \"\${page}\")
    endforeach()
    message(STATUS \"Installing: \${man}/minga*.1.gz\")
  ")
else()
  message(STATUS "help2man not found: no man pages (scripts/setup.sh "
                 "installs it)")
endif()

install(FILES ${CMAKE_SOURCE_DIR}/data/install/minga.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME minga)

configure_file(${CMAKE_SOURCE_DIR}/data/install/minga.service.in
               ${CMAKE_BINARY_DIR}/minga.service @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/minga.service
        DESTINATION lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/data/install/minga.sysusers
        DESTINATION lib/sysusers.d RENAME minga.conf)

install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/LICENSE
        DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)
# What Debian's policy asks of every package's doc folder: the copyright
# file (machine-readable) and, for a native package, changelog.gz.
install(FILES ${CMAKE_SOURCE_DIR}/data/install/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
configure_file(${CMAKE_SOURCE_DIR}/data/install/changelog.in
               ${CMAKE_BINARY_DIR}/changelog @ONLY)
install(CODE "
  set(doc \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}\")
  file(MAKE_DIRECTORY \"\${doc}\")
  execute_process(COMMAND gzip -9nc ${CMAKE_BINARY_DIR}/changelog
                  OUTPUT_FILE \"\${doc}/changelog.gz\" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR \"gzip of the changelog failed: \${rc}\")
  endif()
  message(STATUS \"Installing: \${doc}/changelog.gz\")
")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/data/sample/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/minga/sample)

# -- the Debian package: `make deb` -------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME minga)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "minga")
set(CPACK_PACKAGE_CONTACT "minga maintainers <maintainers@minga.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "knowledge base of city experiences with the SDGs")
# The extended description; CPack puts the summary above it as the
# synopsis line.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "minga keeps a catalog of case studies of cities implementing the UN
Sustainable Development Goals, tagged by goal and target, levels of
government and actors, with a multilingual full-text index (Spanish,
Portuguese, English), importer and exporter plugins, OAI-PMH and DCAT,
and a web server with a JSON API, a search page and authenticated
uploads. libminga, its C library, is in the package too.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libminga.so.0: a shlibs file and the ldconfig trigger
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "iso-codes, fonts-dejavu-core")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/data/install/postinst
    ${CMAKE_SOURCE_DIR}/data/install/triggers)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
