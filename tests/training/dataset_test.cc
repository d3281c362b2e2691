#include "server/training/dataset.h"

#include <set>
#include <thread>

#include "Eigen/QR"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/training/dataset_store.h"
#include "server/training/generators.h"
#include "server/training/job_data.h"

namespace slope::training {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

void ExpectCsvError(const std::string& csv, const std::string& message,
                    absl::StatusCode code = absl::StatusCode::kInvalidArgument,
                    const DatasetLimits& limits = {}) {
  absl::StatusOr<Dataset> d = ParseCsv(csv, limits);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), code);
  EXPECT_EQ(std::string(d.status().message()), message);
}

TEST(CsvTest, ParsesHeaderAndNumbers) {
  absl::StatusOr<Dataset> d =
      ParseCsv("x, \"y\"\r\n1,2\n\n 3.5 ,-4e1\n-0.25,1e-3\n");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_THAT(d->column_names(), ElementsAre("x", "y"));
  ASSERT_EQ(d->rows(), 3);
  EXPECT_EQ(d->values()(1, 0), 3.5);
  EXPECT_EQ(d->values()(1, 1), -40);
  EXPECT_EQ(d->values()(2, 1), 1e-3);
  EXPECT_EQ(*d->ColumnIndex("y"), 1);
  EXPECT_FALSE(d->ColumnIndex("z").has_value());
}

TEST(CsvTest, ErrorsSayWhere) {
  ExpectCsvError("x,y\n1,2\n3,abc\n", "line 3, column 'y': 'abc' is not a number");
  ExpectCsvError("x,y\n1,2\n3\n", "line 3: expected 2 fields, found 1");
  ExpectCsvError("x,y\n1,\n", "line 2, column 'y': '' is not a number");
  ExpectCsvError("x,y\n1,inf\n",
                 "line 2, column 'y': 'inf' is not a finite number");
  ExpectCsvError("x,,y\n", "line 1: header field 2 is empty; every column needs a name");
  ExpectCsvError("x,x\n1,2\n", "line 1: column 'x' appears twice in the header");
  ExpectCsvError("", "data: the CSV text has no header row");
  ExpectCsvError("x,y\n", "data: the CSV text has a header but no data rows");
}

TEST(CsvTest, Limits) {
  DatasetLimits limits;
  limits.max_rows = 2;
  ExpectCsvError("x\n1\n2\n3\n", "data: more than 2 rows (max_dataset_rows)",
                 absl::StatusCode::kResourceExhausted, limits);
  limits = {};
  limits.max_bytes = 7;
  ExpectCsvError("x\n1\n2\n3\n",
                 "data: the CSV text has 8 bytes, more than the limit of 7 "
                 "(max_dataset_bytes)",
                 absl::StatusCode::kResourceExhausted, limits);
}

TEST(FromColumnsTest, ChecksLengthsAndValues) {
  absl::StatusOr<Dataset> d = Dataset::FromColumns(
      std::map<std::string, std::vector<double>>{{"x", {1, 2}}, {"y", {3}}});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "data: column 'y' has 1 rows, 'x' has 2");
  d = Dataset::FromColumns(std::map<std::string, std::vector<double>>{
      {"x", {1, std::nan("")}}});
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "data: column 'x' row 2 is nan; values must be finite");
  d = Dataset::FromColumns(
      std::map<std::string, std::vector<double>>{{"b", {1, 2}}, {"a", {3, 4}}});
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(d->column_names(), ElementsAre("a", "b"));
  EXPECT_EQ(d->values()(1, 1), 2);
}

TEST(DatasetStoreTest, PutGetDeleteAndBudget) {
  DatasetStore::Options options;
  options.max_total_bytes = 64;  // 8 values
  DatasetStore store(options);
  absl::StatusOr<DatasetInfo> info = store.Put("small", "x,y\n1,2\n3,4\n");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_THAT(info->id, testing::MatchesRegex("ds-[0-9a-f]{8}"));
  EXPECT_EQ(info->name, "small");
  EXPECT_EQ(info->rows, 2u);
  EXPECT_THAT(info->columns, ElementsAre("x", "y"));
  EXPECT_EQ(info->bytes, 12u);
  absl::StatusOr<std::shared_ptr<const Dataset>> got = store.Get(info->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->values()(1, 1), 4);
  EXPECT_EQ(store.total_bytes(), 32u);

  absl::StatusOr<DatasetInfo> second = store.Put("big", "x,y\n1,2\n3,4\n5,6\n");
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("the data set store is full"));
  EXPECT_EQ(store.Put("bad", "x\nfoo\n").status().message(),
            "line 2, column 'x': 'foo' is not a number");

  EXPECT_TRUE(store.Delete(info->id).ok());
  EXPECT_EQ(store.Get(info->id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store.total_bytes(), 0u);
  // The data set outlives its deletion while a job holds it.
  EXPECT_EQ((*got)->rows(), 2);
}

TEST(DatasetStoreTest, ConcurrentPutsGetUniqueIds) {
  DatasetStore store;
  std::vector<std::vector<std::string>> ids(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        absl::StatusOr<DatasetInfo> info = store.Put("d", "x\n1\n2\n");
        ASSERT_TRUE(info.ok());
        ids[t].push_back(info->id);
        ASSERT_TRUE(store.Get(info->id).ok());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 200u);
  EXPECT_EQ(store.List().size(), 200u);
  EXPECT_EQ(store.total_bytes(), 200u * 16);
}

GeneratedData Gen(GeneratorKind kind, uint32_t n, uint32_t seed) {
  GeneratedData g = EffectiveGenerated({}, seed);
  g.kind = kind;
  g.n = n;
  g.noise = 0.1;
  return g;
}

TEST(GeneratorTest, ShapesAndLabels) {
  for (GeneratorKind kind : {GeneratorKind::kMoons, GeneratorKind::kCircles,
                             GeneratorKind::kSpiral, GeneratorKind::kXor}) {
    absl::StatusOr<Dataset> d = GenerateDataset(Gen(kind, 300, 1));
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_THAT(d->column_names(), ElementsAre("x1", "x2", "y"));
    EXPECT_EQ(d->rows(), 300);
    std::set<double> labels(d->values().col(2).data(),
                            d->values().col(2).data() + 300);
    if (kind == GeneratorKind::kSpiral) {
      EXPECT_THAT(labels, ElementsAre(0, 1, 2));
    } else {
      EXPECT_THAT(labels, ElementsAre(0, 1));
    }
  }
  GeneratedData linear = Gen(GeneratorKind::kLinear, 50, 1);
  linear.features = 3;
  absl::StatusOr<Dataset> d = GenerateDataset(linear);
  ASSERT_TRUE(d.ok());
  EXPECT_THAT(d->column_names(), ElementsAre("x1", "x2", "x3", "y"));
  GeneratedData spiral = Gen(GeneratorKind::kSpiral, 50, 1);
  spiral.classes = 5;
  d = GenerateDataset(spiral);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->values().col(2).maxCoeff(), 4);
}

TEST(GeneratorTest, DeterministicPerSeed) {
  for (GeneratorKind kind :
       {GeneratorKind::kLinear, GeneratorKind::kMoons, GeneratorKind::kCircles,
        GeneratorKind::kSpiral, GeneratorKind::kXor}) {
    const Eigen::MatrixXd a = GenerateDataset(Gen(kind, 100, 5))->values();
    const Eigen::MatrixXd b = GenerateDataset(Gen(kind, 100, 5))->values();
    const Eigen::MatrixXd c = GenerateDataset(Gen(kind, 100, 6))->values();
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a == c);
  }
}

TEST(GeneratorTest, LinearIsLinear) {
  GeneratedData g = Gen(GeneratorKind::kLinear, 200, 3);
  g.noise = 0;
  g.features = 2;
  const Eigen::MatrixXd v = GenerateDataset(g)->values();
  // Fit y on [x1 x2 1] exactly by least squares: zero residual.
  Eigen::MatrixXd a(200, 3);
  a << v.leftCols(2), Eigen::VectorXd::Ones(200);
  Eigen::VectorXd w = a.colPivHouseholderQr().solve(v.col(2));
  EXPECT_LT((a * w - v.col(2)).norm(), 1e-9);
}

TEST(SplitTest, HoldsOutASeededFraction) {
  GeneratedData g = Gen(GeneratorKind::kMoons, 100, 2);
  Dataset d = *GenerateDataset(g);
  ColumnPlan plan;
  plan.features = {"x1", "x2"};
  plan.feature_index = {0, 1};
  plan.target = "y";
  plan.target_index = 2;
  SplitData a = *SplitRows(d, plan, 0.25, 9);
  SplitData b = *SplitRows(d, plan, 0.25, 9);
  SplitData c = *SplitRows(d, plan, 0.25, 10);
  EXPECT_EQ(a.train_x.cols(), 75);
  EXPECT_EQ(a.validation_x.cols(), 25);
  EXPECT_EQ(a.train_x.rows(), 2);
  EXPECT_TRUE(a.validation_x == b.validation_x);
  EXPECT_FALSE(a.validation_x == c.validation_x);
  // Every row lands in exactly one part.
  EXPECT_DOUBLE_EQ(a.train_y.sum() + a.validation_y.sum(),
                   d.values().col(2).sum());
  SplitData none = *SplitRows(d, plan, 0, 9);
  EXPECT_EQ(none.train_x.cols(), 100);
  EXPECT_TRUE(none.train_x == d.values().leftCols(2).transpose());
}

}  // namespace
}  // namespace slope::training
