// Story clustering: group reports of one news story written in different words.
//
// The engine works on weighted bags of words, in four steps, each in a header of its own:
//
//   story_features.h        StoryFeaturizer: a document -> its story terms (content words,
//                           canonical amounts, name pairs; title words count twice)
//   document_frequencies.h  DocumentFrequencies: how many documents hold each term, the IDF,
//                           and the saved IDF model (`neardup idf build`)
//   story_weighting.h       weigh_story_terms: terms -> a sublinear TF x IDF unit vector;
//                           story_cosine
//   story_cluster.h         StoryClusterer (single pass in time order, length-calibrated
//                           threshold, damped centroids) and cluster_stories (the batch:
//                           the pass, then merging and refinement)
//
// This header includes all four. Example (a stream):
//   auto features = neardup::StoryFeaturizer::create({});
//   auto clusterer = neardup::StoryClusterer::create({.window_seconds = 3 * 86400});
//   neardup::DocumentFrequencies df;                 // or DocumentFrequencies::load(model)
//   // then for each document, in time order:
//   features->extract(text, title, terms);
//   df.add(terms);
//   neardup::weigh_story_terms(terms, df, vec);
//   neardup::StoryAssignment s = clusterer->add(vec, unix_time);
//
// Thread safety: StoryFeaturizer is not thread-safe (use one per thread); DocumentFrequencies
// is safe for concurrent const use; StoryClusterer is a sequential state machine (one caller
// at a time). Cost: see each header.
#pragma once

#include "neardup/advanced/document_frequencies.h"
#include "neardup/advanced/story_cluster.h"
#include "neardup/advanced/story_features.h"
#include "neardup/advanced/story_weighting.h"
