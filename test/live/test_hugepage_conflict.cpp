// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/hugepage_conflict.hpp"

#include <catch2/catch.hpp>

using virtnest::hugepages_blocked;
using virtnest::uses_hugepages;

TEST_CASE("hugepage_conflict: 13.7 IBM Z domains with huge pages on a nesting host",
          "[hugepage_conflict]") {
    const char* huge = "<domain type='kvm'><name>z1</name><memoryBacking><hugepages/>"
                       "</memoryBacking><os><type arch='s390x'>hvm</type></os></domain>";
    const char* plain = "<domain type='kvm'><name>z2</name><memoryBacking><nosharepages/>"
                        "</memoryBacking></domain>";
    CHECK(uses_hugepages(huge));
    CHECK_FALSE(uses_hugepages(plain));
    CHECK_FALSE(uses_hugepages("<domain"));
    CHECK(hugepages_blocked("s390x", true, true));
    CHECK_FALSE(hugepages_blocked("s390x", true, false));
    CHECK_FALSE(hugepages_blocked("s390x", false, true));
    CHECK_FALSE(hugepages_blocked("x86_64", true, true));
}
