/**
 * What the text says about itself: a question about medicine in general, a story, data made up for a test, a
 * business's details. Each lowers what the combining step concludes from a term and a name.
 */

/** Medicine in general: "what is…", "how does…", textbooks, courses, the mechanism of a drug. */
export const EDUCATION =
  /\b(?:what (?:is|are|does|do|causes?)|what's|how (?:does|do|is|are|can)|explain|difference between|ELI5|in language a|textbooks?|lecture|course|exam|study guide|syllab(?:us|i)|curriculum|epidemiology|mechanism|side effects|guidelines?|in general|overview|research on|for my (?:essay|thesis|class|course|exam|dissertation)|quiz|flashcards?)\b/i;
/** A story, a film or a game: its people are characters. */
export const FICTION =
  /\b(?:novel|character|characters|protagonist|chapter|fiction|fictional|story|screenplay|film|movie|episode|poem|play by|Shakespeare|Dickens|Tolstoy|the book|literary|literature|portray(?:ed|al|s)?|TV|series|sitcom|season \d|show)\b/i;
/** Data made up on purpose. */
export const PLACEHOLDER =
  /\b(?:fake|placeholder|dummy|sample data|example data|synthetic|mock|test data|test fixtures?|lorem ipsum|made-up|made up|invent(?:ed)?)\b/i;
/** First person, for an assertion about one's own health: "I'm…", "I've been on…", "my …". */
export const FIRST_PERSON = /\b(?:I'm|I am|I've|I have|I had|I was|I got|I take|I'm on|my|me)\b/gi;
/** What a first-person sentence may be about instead of one's health: a question, homework, a talk. */
export const NOT_ABOUT_SELF =
  /\b(?:question|essay|textbook|assignment|homework|exam|lecture|course|class|paper|presentation|article|book|report|study|studying|research|project|slides?)\b/i;
