"""What the simulated customers say: names, topics and their lines in German and English.

The brand, its accounts and every person here are invented. Lines are templates; the
simulator fills the {slots} (see `SLOTS`) and adds each person's own voice (caps, emoji,
typos) on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Language = Literal["de", "en"]
Mood = Literal["angry", "upset", "question", "happy"]
Lines = dict[Language, tuple[str, ...]]

BRAND = "Hafenlicht"
# Every slot a line may use; the simulator fills all of them for every item.
SLOTS = (
    "brand", "city", "street", "amount", "month", "days", "hours", "minutes", "number",
    "price", "bonus", "speed", "region", "weekday",
)


@dataclass(frozen=True)
class Topic:
    key: str
    mood: Mood
    opener: Lines  # a new public comment, or a first private message
    follow_up: Lines  # the same customer again, in their thread or conversation
    chime_in: Lines = field(default_factory=dict)  # other customers in the same public thread
    family: str = "service"  # "service", "crisis" or "campaign"


def lines(de: list[str], en: list[str]) -> Lines:
    return {"de": tuple(de), "en": tuple(en)}


NORMAL_TOPICS: tuple[Topic, ...] = (
    Topic("billing", "upset", lines(
        ["Warum ist mein Abschlag plötzlich auf {amount} gestiegen? Verbrauch ist gleich.",
         "Eure Jahresabrechnung versteht kein Mensch. Was ist denn bitte ein Messstellenbetrieb?",
         "Ich habe eine Nachzahlung von {amount} bekommen, das kann nicht stimmen.",
         "Guthaben seit {days} Wochen angekündigt, aber nichts auf dem Konto. Wann kommt das Geld?",
         "Hallo, ich bräuchte eine Rechnungskopie für {month}, im Kundenportal ist sie nicht da."],
        ["Why did my monthly payment jump to {amount}? My usage hasn't changed at all.",
         "I was promised a refund weeks ago and still nothing. When will it arrive?",
         "Your annual bill makes no sense to me, can someone explain the extra charges?"],
    ), lines(
        ["Kundennummer {number}, falls das hilft.", "Hallo?? Keiner zuständig?",
         "Hab jetzt nochmal nachgerechnet, die Zahlen passen einfach nicht.",
         "Ok, danke für die Erklärung. Dann warte ich auf die Korrektur."],
        ["My customer number is {number}.", "Hello? Anyone?", "Thanks, that explains it."],
    ), lines(
        ["Geht mir genauso, Abschlag fast verdoppelt.",
         "Ruf am besten an, hier antwortet eh keiner."],
        ["Same thing happened to me.", "Mine went up too, no explanation."],
    )),
    Topic("outage", "angry", lines(
        ["Seit heute Morgen kein Internet in {city}. Wann geht das wieder??",
         "Router blinkt rot, Hotline sagt 'bekanntes Problem'. Welches Problem denn?",
         "Zum dritten Mal diese Woche Störung. Ich arbeite im Homeoffice, so geht das nicht!",
         "Strom in der {street} weg, wisst ihr was davon?"],
        ["No internet in {city} since this morning. Any idea when it's back?",
         "Third outage this week. I work from home, this is not ok!"],
    ), lines(
        ["Immer noch nichts. Seit {hours} Stunden.", "Jetzt geht's wieder, danke.",
         "Störungsnummer? Auf der Webseite steht nichts."],
        ["Still down after {hours} hours.", "It's back now, thanks.", "Is there a status page?"],
    ), lines(
        ["Bei uns in {city} auch, seit ca. {hours} Stunden.", "Hier läuft alles, komisch."],
        ["Same here in {city}.", "Works fine for me, weird."],
    )),
    Topic("move", "question", lines(
        ["Ich ziehe im {month} nach {city}. Kann ich meinen Vertrag mitnehmen?",
         "Wie melde ich einen Umzug an? Im Portal finde ich nichts dazu.",
         "Brauche ich beim Umzug einen neuen Zählerstand vom alten Zähler?"],
        ["I'm moving to {city} in {month}. Can I take my contract with me?",
         "How do I tell you about a move? Can't find it in the portal."],
    ), lines(
        ["Neue Adresse wäre {street}, {city}.", "Super, danke! Hat geklappt."],
        ["New address would be {street}, {city}.", "Great, thanks!"],
    )),
    Topic("meter", "question", lines(
        ["Wo trage ich den Zählerstand ein? Die App stürzt beim Foto ab.",
         "Bekomme ich auch so einen Smart Meter oder muss ich den beantragen?",
         "Brief zur Zählerablesung bekommen, ich bin aber die ganze Woche nicht da. Was nun?"],
        ["Where do I submit my meter reading? The app crashes when I take the photo.",
         "Do I get a smart meter automatically or do I have to ask for one?"],
    ), lines(
        ["Zählerstand ist übrigens {number}.", "Ah, gefunden. Danke!"],
        ["Reading is {number} by the way.", "Found it, thanks!"],
    )),
    Topic("app", "upset", lines(
        ["Seit dem Update komme ich nicht mehr in die App. Passwort zurücksetzen geht auch nicht.",
         "Die App zeigt bei mir nur einen weißen Bildschirm. Android, aktuelle Version.",
         "Login im Kundenportal: 'unbekannter Fehler'. Seit {days} Tagen."],
        ["Can't log in to the app since the update, password reset doesn't work either.",
         "The app just shows a blank screen. iPhone, latest version."],
    ), lines(
        ["Neu installiert, gleicher Fehler.", "Jetzt geht's, keine Ahnung warum 🤷"],
        ["Reinstalled, same error.", "Works now, no idea why."],
    ), lines(
        ["Bei mir auch seit dem Update.", "Cache löschen hat bei mir geholfen."],
        ["Same since the update.", "Clearing the cache fixed it for me."],
    )),
    Topic("hotline", "angry", lines(
        ["{minutes} Minuten in der Warteschleife und dann aufgelegt. Ernsthaft?",
         "Eure Hotline ist eine Frechheit. Niemand ruft zurück, obwohl es versprochen wurde.",
         "Dreimal angerufen, dreimal eine andere Auskunft. Wer weiß bei euch eigentlich Bescheid?"],
        ["{minutes} minutes on hold and then the line dropped. Seriously?",
         "Nobody ever calls back even though you promise it every time."],
    ), lines(
        ["Und wieder nichts.", "Ich warte immer noch auf den Rückruf."],
        ["Still waiting for that call back."],
    ), lines(
        ["Kenne ich, bei mir {minutes} Minuten.",
         "Schreib ihnen lieber privat, da geht's schneller."],
        ["Same experience here.", "Try a DM, that worked for me."],
    )),
    Topic("cancel", "upset", lines(
        ["Ich habe vor {days} Tagen gekündigt und keine Bestätigung bekommen.",
         "Wie kann ich meinen Gasvertrag kündigen? Der Button im Portal geht nicht."],
        ["I cancelled {days} days ago and got no confirmation.",
         "How do I cancel my gas contract? The button in the portal is broken."],
    ), lines(
        ["Kündigung ging per Einschreiben raus, am {weekday}.",
         "Brauche die Bestätigung bis Monatsende!"],
        ["I need the confirmation by the end of the month!"],
    )),
    Topic("technician", "angry", lines(
        ["Techniker-Termin {weekday} 8-12 Uhr. Ich hab extra frei genommen. Keiner kam.",
         "Glasfaser-Anschluss seit {days} Wochen beauftragt, immer noch kein Termin.",
         "Der Techniker hat den Vorgarten aufgegraben und einfach so liegen lassen."],
        ["Technician appointment {weekday} 8-12. Took the day off. Nobody showed up.",
         "Ordered fibre {days} weeks ago, still no installation date."],
    ), lines(
        ["Neuer Termin? Irgendwas?", "Auftragsnummer {number}."],
        ["Any new date?", "Order number {number}."],
    )),
    Topic("tariff", "question", lines(
        ["Habt ihr auch einen reinen Ökostrom-Tarif?",
         "Lohnt sich für uns (4 Personen, ca. 3500 kWh) der Wärmepumpen-Tarif?",
         "Kann ich von Gas Basis in Gas Fix wechseln, ohne neue Laufzeit?"],
        ["Do you offer a 100% green electricity plan?",
         "Is there a special rate for heat pumps?"],
    ), lines(
        ["Und wie lange ist die Preisgarantie?", "Danke, dann wechsle ich."],
        ["How long is the price guarantee?", "Thanks, I'll switch then."],
    )),
    Topic("praise", "happy", lines(
        ["Danke an das Team von gestern, Problem in 10 Minuten gelöst!",
         "Muss auch mal gesagt werden: Seit dem Wechsel zu {brand} keine einzige Störung.",
         "Der Techniker heute war super freundlich und hat alles erklärt. Top!",
         "Endlich Glasfaser in {city}, {speed} laufen stabil."],
        ["Big thanks to your support team, sorted in ten minutes!",
         "Technician today was great, very friendly and quick."],
    ), lines(
        ["Weiter so!", "Und die Rechnung ist auch endlich verständlich 😉"],
        ["Keep it up!"],
    ), lines(
        ["Kann ich bestätigen.", "Schön zu hören, bei mir leider anders."],
        ["Can confirm!", "Glad it worked for you."],
    )),
    Topic("fibre-when", "question", lines(
        ["Wann kommt Glasfaser endlich nach {city}?",
         "Wird die {street} in {city} auch ausgebaut? Nachbarn haben schon einen Brief bekommen."],
        ["When is fibre coming to {city}?"],
    ), lines(
        ["Gibt es eine Karte mit den Ausbaugebieten?"],
        ["Is there a map of the areas?"],
    ), lines(
        ["Würde mich auch interessieren!", "Bei uns wurde schon gebaggert."],
        ["Interested too!"],
    )),
)

CRISIS_TOPICS: tuple[Topic, ...] = (
    Topic("crisis-double-debit", "angry", lines(
        ["Ihr habt den Abschlag für {month} DOPPELT abgebucht!! {amount} weg. Was soll das?",
         "Schon wieder doppelte Abbuchung von {brand}. Mein Konto ist im Minus!",
         "Zweimal {amount} abgebucht. Wer zahlt mir jetzt die Dispozinsen?",
         "Abschlag doppelt eingezogen, Miete konnte nicht abgebucht werden. Danke für nichts.",
         "Ist das ein Fehler bei euch oder Absicht? Doppelte Lastschrift für {month}.",
         "Wann bekomme ich die doppelte Abbuchung zurück? Ich brauche das Geld JETZT.",
         "Ich buche die Lastschrift zurück. Doppelt abbuchen geht gar nicht.",
         "Auch bei euch doppelt abgebucht? {brand} hat bei mir zweimal {amount} genommen."],
        ["You charged my monthly payment TWICE! {amount} gone. What is going on?",
         "Double direct debit from {brand}, my account is overdrawn now.",
         "When will I get the double charge back? I need that money now.",
         "Charged twice for {month}. Who pays my overdraft fees?"],
    ), lines(
        ["Immer noch kein Geld zurück.",
         "Ich will eine schriftliche Bestätigung, dass das erstattet wird.",
         "Wenn das bis {weekday} nicht zurück ist, kündige ich.",
         "Hab jetzt die Verbraucherzentrale angeschrieben.",
         "Kundennummer {number}, bitte prüfen."],
        ["Still no refund.", "I want written confirmation I'll get it back.",
         "My customer number is {number}."],
    ), lines(
        ["Bei mir auch!! Zweimal {amount}.", "Same hier, doppelt abgebucht.",
         "Wir auch. Ist das ein Systemfehler?",
         "Sofort Lastschrift zurückbuchen, hab ich auch gemacht.",
         "Nicht nur du, bei meiner Mutter auch."],
        ["Same here, charged twice!", "Me too. System error?", "Happened to my parents as well."],
    ), family="crisis"),
    Topic("crisis-outage", "angry", lines(
        ["Komplettausfall in {region}, kein Internet, kein Telefon. Seit {hours} Stunden!",
         "Was ist bei euch los? Ganz {region} ist offline.",
         "Störung in {region} und auf der Störungsseite steht NICHTS.",
         "Ich kann wegen eurer Störung in {region} nicht arbeiten. Wer zahlt den Ausfall?",
         "Internet in {region} tot. Wann geht das wieder? Eine Uhrzeit bitte!",
         "Keine Verbindung in {region}, Hotline nicht erreichbar. Super Krisenkommunikation.",
         "Meine Mutter hat Hausnotruf über euren Anschluss, der geht in {region} nicht."
         " Das ist gefährlich!"],
        ["Total outage in {region}, no internet, no phone, for {hours} hours now!",
         "What is going on? All of {region} is offline.",
         "Can't work because of your outage in {region}. Any ETA?"],
    ), lines(
        ["Immer noch tot.", "Seit {hours} Stunden!! Gibt es eine Gutschrift?",
         "Wieder da, aber ganz langsam.", "Ich erwarte eine Entschädigung."],
        ["Still down.", "Back, but very slow.", "I expect compensation for this."],
    ), lines(
        ["Hier auch, {region} komplett.", "Bei uns auch seit heute früh.",
         "Nachbarn auch betroffen.", "Hotline sagt angeblich Baggerschaden."],
        ["Same here.", "Whole street is down.", "Heard it's a cable cut."],
    ), family="crisis"),
)

CAMPAIGN_TOPICS: tuple[Topic, ...] = (
    Topic("campaign-price", "question", lines(
        ["{price} im Monat, und was kostet es nach den 12 Monaten?",
         "Gilt der Preis von {price} auch für Bestandskunden?",
         "Kommt zu den {price} noch eine Anschlussgebühr dazu?",
         "Ist der Router im Preis drin oder kostet der extra?"],
        ["What's the price after the first 12 months?",
         "Does the {price} deal apply to existing customers too?",
         "Is there a setup fee on top of {price}?"],
    ), lines(
        ["Und der Router?", "Also effektiv wie viel im Schnitt über 24 Monate?"],
        ["And the router?", "So what's the average per month over 24 months?"],
    ), lines(
        ["Frage ich mich auch.", "Steht im Kleingedruckten: danach normaler Preis."],
        ["Wondering the same.", "Fine print says regular price after that."],
    ), family="campaign"),
    Topic("campaign-conditions", "question", lines(
        ["Wie lange ist die Mindestlaufzeit beim Angebot?",
         "Bekomme ich die {bonus} Wechselbonus auch, wenn mein Vertrag erst im {month} endet?",
         "Wo ist der Haken? {speed} für {price} klingt zu gut.",
         "Kann ich das Angebot mit dem Strom-Kombirabatt kombinieren?"],
        ["What's the minimum contract term for this offer?",
         "Do I still get the {bonus} bonus if my current contract ends in {month}?",
         "What's the catch? {speed} for {price} sounds too good."],
    ), lines(
        ["Und wann wird der Bonus ausgezahlt?", "Danke, dann schließe ich ab!"],
        ["And when is the bonus paid out?", "Thanks, signing up!"],
    ), lines(
        ["Würde mich auch interessieren.", "Haken: 24 Monate Laufzeit."],
        ["Same question."],
    ), family="campaign"),
    Topic("campaign-availability", "question", lines(
        ["Gibt es das Angebot auch in {city}?",
         "Ist {speed} in der {street} in {city} verfügbar?",
         "Verfügbarkeitscheck sagt 'bald verfügbar'. Was heißt bald?",
         "Gilt das auch für Mietwohnungen? Muss der Vermieter zustimmen?"],
        ["Is the offer available in {city}?",
         "Availability check just says 'coming soon'. How soon?"],
    ), lines(
        ["Adresse wäre {street}, {city}.", "Schade, dann warte ich."],
        ["Too bad, I'll wait then."],
    ), lines(
        ["In {city} geht's, hab gestern gebucht.", "Bei uns auch nur 'bald verfügbar'."],
        ["Works in {city}, booked yesterday."],
    ), family="campaign"),
    Topic("campaign-signup", "upset", lines(
        ["Wie buche ich das? Der Link im Post führt auf eine Fehlerseite.",
         "Bestellung abgeschickt, aber keine Bestätigungsmail. Ist das angekommen?",
         "Aktionscode wird im Warenkorb nicht akzeptiert.",
         "Geht das auch telefonisch? Online bricht es bei der Bankverbindung ab."],
        ["How do I sign up? The link in your post is broken.",
         "The promo code isn't accepted at checkout.",
         "Ordered but no confirmation email yet. Did it go through?"],
    ), lines(
        ["Jetzt nochmal probiert, gleicher Fehler.", "Hat geklappt, danke!"],
        ["Tried again, same error.", "Worked now, thanks!"],
    ), lines(
        ["Link geht bei mir auch nicht.", "Mit einem anderen Browser hat's geklappt."],
        ["Link broken for me too."],
    ), family="campaign"),
    Topic("campaign-excited", "happy", lines(
        ["Endlich! Hab sofort gebucht 🎉", "{speed} für {price}, da kann man nicht meckern.",
         "Gerade umgestiegen, bin gespannt!"],
        ["Finally! Signed up straight away 🎉", "{speed} for {price}, can't complain."],
    ), lines(
        ["Anschluss schon bestätigt, läuft!"],
        ["Already confirmed, great!"],
    ), family="campaign"),
)

# Things anybody says in a private conversation after the first message.
PRIVATE_FOLLOW_UP = lines(
    ["Meine Kundennummer ist {number}.", "Hallo? Ist da jemand?",
     "Soll ich noch ein Foto schicken?",
     "Geburtsdatum brauchen Sie auch?", "Danke, hat geklappt!", "Ok, ich warte.",
     "Adresse: {street}, {city}."],
    ["My customer number is {number}.", "Hello? Is anyone there?", "Thanks, that worked!",
     "Ok, I'll wait.", "Address is {street}, {city}."],
)
# What others say under somebody's public comment, whatever it is about.
GENERIC_CHIME_IN = lines(
    ["Kenne ich.", "+1", "Das würde mich auch interessieren.", "Schreib ihnen eine PN."],
    ["+1", "Same.", "Following."],
)
DM_GREETING = lines(["Hallo! ", "Hallo {brand}-Team! ", "Guten Tag. ", "Moin! ", "Hi! "],
                    ["Hi! ", "Hello. ", "Hey {brand}! "])

FIRST_NAMES_DE = (
    "Anna", "Lena", "Jana", "Sabine", "Katrin", "Petra", "Heike", "Monika", "Julia", "Laura",
    "Sophie", "Marie", "Hannah", "Ines", "Birgit", "Ute", "Gisela", "Frieda", "Merle", "Nele",
    "Jonas", "Lukas", "Felix", "Tobias", "Stefan", "Thomas", "Michael", "Jürgen", "Uwe", "Klaus",
    "Dirk", "Holger", "Sven", "Jan", "Hauke", "Ole", "Finn", "Malte", "Timo", "Kai", "Deniz",
    "Ayse", "Mehmet", "Elif", "Piotr", "Katarzyna", "Luca", "Giulia", "Nikolai", "Svetlana",
)
LAST_NAMES_DE = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
    "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann",
    "Krüger", "Hartmann", "Lange", "Werner", "Lehmann", "Köhler", "Janssen", "Ahrens", "Behrens",
    "Peters", "Hinrichs", "Oltmanns", "Gerdes", "Brandt", "Vogt", "Yilmaz", "Kaya", "Nowak",
    "Kowalski", "Rossi", "Petrov", "Dittmer",
)
FIRST_NAMES_EN = (
    "Emma", "Olivia", "Grace", "Chloe", "Megan", "Sarah", "Emily", "Rachel", "James", "Oliver",
    "Liam", "Noah", "Ethan", "Daniel", "Ryan", "Connor", "Priya", "Arjun", "Mateo", "Sofia",
)
LAST_NAMES_EN = (
    "Smith", "Walker", "Bennett", "Hughes", "Turner", "Collins", "Murphy", "Reid", "Patel",
    "Sharma", "Garcia", "Evans", "Foster", "Gallagher", "Brooks", "Doyle",
)

CITIES = ("Bremen", "Oldenburg", "Bremerhaven", "Delmenhorst", "Cuxhaven", "Verden", "Achim",
          "Stade", "Wilhelmshaven", "Nordenham", "Syke", "Osterholz-Scharmbeck")
STREETS = ("Deichstraße", "Lindenstraße", "Hafenstraße", "Schulstraße", "Mühlenstraße",
           "Kastanienallee", "Fährstraße", "Gartenstraße", "Kirchstraße", "Wallstraße")
MONTHS = {
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}
WEEKDAYS = {"de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"),
            "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")}

EMOJI: dict[Mood, tuple[str, ...]] = {
    "angry": ("😡", "🤬", "😤", "👎", "🙄"),
    "upset": ("😕", "🙄", "😩", "🤷"),
    "question": ("🤔", "🙈", "🙏"),
    "happy": ("👍", "❤️", "😊", "🙏", "💪", "🎉"),
}
