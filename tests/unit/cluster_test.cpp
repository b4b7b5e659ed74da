// Representative selection and field priorities shared by every mode (cluster.h).
#include "neardup/advanced/cluster.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace neardup {
namespace {

// Clusters {0, 2, 3} and {1, 4}.
std::vector<Assignment> two_clusters() {
  std::vector<Assignment> a(5);
  const uint32_t cluster[] = {0, 1, 0, 0, 1};
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i].cluster = cluster[i];
    a[i].representative = 99;  // overwritten
    a[i].similarity = 0.5;     // left alone
  }
  return a;
}

TEST(ClusterTest, WithoutPriorityTheFirstMemberRepresents) {
  std::vector<Assignment> a = two_clusters();
  assign_representatives(a);
  const uint32_t want[] = {0, 1, 0, 0, 1};
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].representative, want[i]) << i;
    EXPECT_EQ(a[i].similarity, 0.5) << i;
  }
}

TEST(ClusterTest, HighestPriorityRepresentsTiesGoToTheEarliest) {
  std::vector<Assignment> a = two_clusters();
  const std::vector<double> priority = {1, 5, 3, 3, 2};
  assign_representatives(a, priority);
  // Cluster 0: priorities 1, 3, 3 -> document 2 (3 is tied with document 3, which is later).
  // Cluster 1: priorities 5, 2 -> document 1.
  const uint32_t want[] = {2, 1, 2, 2, 1};
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].representative, want[i]) << i;
  for (const Assignment& x : two_clusters()) EXPECT_LT(x.cluster, 2u);  // labels untouched
}

TEST(ClusterTest, PriorityOfTheWrongLengthIsIgnored) {
  std::vector<Assignment> a = two_clusters();
  const std::vector<double> priority = {1, 5, 3};
  assign_representatives(a, priority);
  for (const Assignment& x : a) EXPECT_EQ(x.representative, x.cluster);
}

TEST(ClusterTest, FieldPriorityIsNumericWhenEveryPresentValueIsANumber) {
  const std::vector<std::optional<std::string>> v = {"3", std::nullopt, "-1.5", "10"};
  const std::vector<double> p = field_priority(v);
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], 3);
  EXPECT_TRUE(std::isinf(p[1]) && p[1] < 0);  // missing ranks lowest
  EXPECT_EQ(p[2], -1.5);
  EXPECT_EQ(p[3], 10);  // numerically above 3 (by text, "10" < "3")
}

TEST(ClusterTest, FieldPriorityRanksTextByByteOrder) {
  const std::vector<std::optional<std::string>> v = {"b", "10", "a", std::nullopt, "b", ""};
  const std::vector<double> p = field_priority(v);
  // Distinct values in byte order: "" < "10" < "a" < "b".
  EXPECT_EQ(p[0], 3);
  EXPECT_EQ(p[1], 1);
  EXPECT_EQ(p[2], 2);
  EXPECT_TRUE(std::isinf(p[3]) && p[3] < 0);
  EXPECT_EQ(p[4], 3);
  EXPECT_EQ(p[5], 0);
}

}  // namespace
}  // namespace neardup
