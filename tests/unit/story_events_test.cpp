// Event particulars (story_features.h, StoryOptions::event_rule): dates named in the text in
// their many spellings, what is not a date, the key particular (the first of each kind), that
// dates never change the TF-IDF vector or the IDF table, and the rule on crafted reports of
// two events of one company.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "neardup/advanced/story.h"

namespace neardup {
namespace {

// The particulars of a text (and title) by name ("date 03-07", "300000"), with their bits.
std::map<std::string, int> particulars(std::string_view text, std::string_view title = "",
                                       StoryFeatureOptions o = {}) {
  Result<StoryFeaturizer> f = StoryFeaturizer::create(o);
  EXPECT_TRUE(f.ok());
  std::vector<StoryTerm> terms;
  std::vector<std::pair<uint64_t, std::string>> names;
  f->extract(text, title, terms, &names);
  std::map<uint64_t, std::string> name_of(names.begin(), names.end());
  std::map<std::string, int> out;
  for (const StoryTerm& t : terms) {
    if (t.event != 0) out[name_of.at(t.term)] = t.event;
  }
  return out;
}

std::set<std::string> dates(std::string_view text) {
  std::set<std::string> out;
  for (const auto& [name, bits] : particulars(text)) {
    if ((bits & kEventDate) != 0) out.insert(name);
  }
  return out;
}

TEST(StoryEventDatesTest, OneDateWhateverItsSpelling) {
  for (const char* text :
       {"The plant opens on March 7.", "The plant opens on 7 March.",
        "The plant opens on the 7th of March.", "The plant opens on March 7th, 2021.",
        "The plant opens on Mar 7 after a delay.", "Opening date: 2021-03-07.",
        "Opening date: 07.03.2021.", "Opening date: 25/12/2021 and 12/25/2021."}) {
    const std::set<std::string> d = dates(text);
    if (std::string_view(text).find("12/25") != std::string_view::npos) {
      // Day first or month first: 25 can only be a day, so both are December 25.
      EXPECT_EQ(d, (std::set<std::string>{"date 12-25"})) << text;
    } else {
      EXPECT_EQ(d, (std::set<std::string>{"date 03-07"})) << text;
    }
  }
  // German, French and Spanish month names.
  EXPECT_EQ(dates("Salo geht am 30. April 2024."), (std::set<std::string>{"date 04-30"}));
  EXPECT_EQ(dates("Salo part le 30 avril."), (std::set<std::string>{"date 04-30"}));
  EXPECT_EQ(dates("Salo se va el 30 de abril."), (std::set<std::string>{"date 04-30"}));
}

TEST(StoryEventDatesTest, AnAmbiguousSlashDateGivesBothReadings) {
  EXPECT_EQ(dates("It closed on 7/3/2021."), (std::set<std::string>{"date 03-07", "date 07-03"}));
  EXPECT_EQ(dates("It closed on 7/7/21."), (std::set<std::string>{"date 07-07"}));
}

TEST(StoryEventDatesTest, WeekdaysMonthsAloneAndOtherNumbersAreNotDates) {
  for (const char* text :
       {"The company said on Tuesday that she leaves at the end of April.",
        "Production starts in May 2024.", "Version 1.2.3 shipped.",
        "Revenue rose to 4.8 billion euros.", "Call 555-123-4567 for tickets.",
        "February 30 and March 32 do not exist.", "It weighs 12/5 kg, ratio 3/4.",
        "Serial 2021-13-40 is not a date, nor is 12-03-2021x."}) {
    EXPECT_TRUE(dates(text).empty()) << text << ": " << *dates(text).begin();
  }
}

TEST(StoryEventDatesTest, DatesAreParticularsOnlyAndCanBeTurnedOff) {
  const char* text = "Kestrel Motors said its chief executive leaves on April 30, after six years.";
  const std::map<std::string, int> p = particulars(text);
  ASSERT_EQ(p.count("date 04-30"), 1u);
  EXPECT_EQ(p.at("date 04-30"), kEventDate | kEventKey | kEventOnly);
  StoryFeatureOptions off;
  off.dates = false;
  EXPECT_EQ(particulars(text, "", off).count("date 04-30"), 0u);
  // A date is in the vector's particulars and keys, never in its terms; and the IDF table does
  // not count it (an IDF model does not depend on the date reading).
  Result<StoryFeaturizer> f = StoryFeaturizer::create({});
  ASSERT_TRUE(f.ok());
  std::vector<StoryTerm> terms;
  f->extract(text, "", terms);
  uint64_t date = 0;
  std::vector<StoryTerm> lexical;
  for (const StoryTerm& t : terms) {
    if ((t.event & kEventOnly) != 0) {
      date = t.term;
    } else {
      lexical.push_back(t);
    }
  }
  ASSERT_NE(date, 0u);
  DocumentFrequencies df, df_lexical;
  df.add(terms);
  df_lexical.add(lexical);
  EXPECT_EQ(df.frequency(date), 0u);
  StoryVector v, v_lexical;
  weigh_story_terms(terms, df, v);
  weigh_story_terms(lexical, df_lexical, v_lexical);
  EXPECT_EQ(v.terms, v_lexical.terms);
  EXPECT_EQ(v.weights, v_lexical.weights);
  EXPECT_EQ(v.particulars, std::vector<uint64_t>{date});
  EXPECT_EQ(v.keys, std::vector<uint64_t>{date});
}

TEST(StoryEventKeyTest, TheKeyIsTheFirstOfEachKindTitleFirst) {
  const std::map<std::string, int> p = particulars(
      "The company will invest 10 billion dollars and hire 2,400 people; construction starts "
      "on March 3 and ends on 9 June, before 10 billion more.",
      "Factory to make 300,000 cars a year");
  EXPECT_EQ(p.at("300000"), kEventAmount | kEventKey);  // the title's figure leads
  EXPECT_EQ(p.at("10000000000"), kEventAmount);
  EXPECT_EQ(p.at("2400"), kEventAmount);
  EXPECT_EQ(p.at("date 03-03"), kEventDate | kEventKey | kEventOnly);
  EXPECT_EQ(p.at("date 06-09"), kEventDate | kEventOnly);
  // Keys do not carry over from one document to the next.
  Result<StoryFeaturizer> f = StoryFeaturizer::create({});
  ASSERT_TRUE(f.ok());
  std::vector<StoryTerm> a, b;
  f->extract("It will cost 10 billion dollars.", "", a);
  f->extract("It will cost 10 billion dollars.", "", b);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].event, b[i].event);
}

}  // namespace
}  // namespace neardup
