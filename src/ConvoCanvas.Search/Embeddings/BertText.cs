using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace ConvoCanvas.Search.Embeddings;

/// <summary>
/// Prepares text the way the uncased BERT vocabulary expects it, for what Microsoft.ML.Tokenizers'
/// BertTokenizer does not do here: it deletes tabs and newlines (gluing the words on either side
/// into one unknown word), and it strips accents through Unicode decomposition, which ConvoCanvas's
/// invariant-globalisation processes do not have, so "café" became [UNK]. Lower-cases, turns every
/// whitespace or control character into a space and folds accented Latin letters to their base.
/// Its default pre-tokenizer also drops symbols (<c>= &lt; &gt; + $ | ~ ^ `</c>), which BERT keeps as
/// word-pieces of their own and which matter in code: <see cref="PreTokenizer"/> splits the way
/// BERT's basic tokenizer does.
/// </summary>
internal static partial class BertText
{
    /// <summary>
    /// BERT's split: every ASCII non-alphanumeric printable and every Unicode punctuation character is
    /// a token of its own, and so is every CJK ideograph; the rest splits at whitespace.
    /// </summary>
    public static PreTokenizer PreTokenizer { get; } = new RegexPreTokenizer(BertPieces(), null);

    [GeneratedRegex(@"[!-/:-@\[-`{-~]|\p{P}|[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]|[^\s!-/:-@\[-`{-~\p{P}\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF]+")]
    private static partial Regex BertPieces();

    // Lower-case precomposed Latin letters and their base letter, in pairs (generated from Unicode's
    // canonical decompositions with the combining marks dropped).
    private const string FoldPairs =
        "àaáaâaãaäaåaçcèeéeêeëeìiíiîiïiñnòoóoôoõoöoùuúuûuüuýyÿyāaăaąaćcĉcċcčcďdēeĕeėeęeěe" +
        "ĝgğgġgģgĥhĩiīiĭiįiĵjķkĺlļlľlńnņnňnōoŏoőoŕrŗrřrśsŝsşsšsţtťtũuūuŭuůuűuųuŵwŷyźzżzžz" +
        "ơoưuǎaǐiǒoǔuǖuǘuǚuǜuǟaǡaǣæǧgǩkǫoǭoǯʒǰjǵgǹnǻaǽæǿøȁaȃaȅeȇeȉiȋiȍoȏoȑrȓrȕuȗușsțtȟhȧa" +
        "ȩeȫoȭoȯoȱoȳyḁaḃbḅbḇbḉcḋdḍdḏdḑdḓdḕeḗeḙeḛeḝeḟfḡgḣhḥhḧhḩhḫhḭiḯiḱkḳkḵkḷlḹlḻlḽlḿmṁmṃm" +
        "ṅnṇnṉnṋnṍoṏoṑoṓoṕpṗpṙrṛrṝrṟrṡsṣsṥsṧsṩsṫtṭtṯtṱtṳuṵuṷuṹuṻuṽvṿvẁwẃwẅwẇwẉwẋxẍxẏyẑzẓz" +
        "ẕzẖhẗtẘwẙyẛſạaảaấaầaẩaẫaậaắaằaẳaẵaặaẹeẻeẽeếeềeểeễeệeỉiịiọoỏoốoồoổoỗoộoớoờoởoỡoợo" +
        "ụuủuứuừuửuữuựuỳyỵyỷyỹy";

    private static readonly Dictionary<char, char> Fold = BuildFold();

    public static string Prepare(string text)
    {
        if (IsPlain(text)) return text;
        var builder = new StringBuilder(text.Length);
        foreach (var original in text)
        {
            var c = char.ToLowerInvariant(original);
            if (char.IsWhiteSpace(c) || (char.IsControl(c))) builder.Append(' ');
            else if (c >= '\u0300' && c <= '\u036F') continue; // combining accents written separately
            else builder.Append(Fold.TryGetValue(c, out var folded) ? folded : c);
        }

        return builder.ToString();
    }

    /// <summary>Printable ASCII needs nothing: the tokenizer lower-cases it itself.</summary>
    private static bool IsPlain(string text)
    {
        foreach (var c in text)
            if (c < ' ' || c > '~') return false;
        return true;
    }

    private static Dictionary<char, char> BuildFold()
    {
        var fold = new Dictionary<char, char>(FoldPairs.Length / 2);
        for (var i = 0; i + 1 < FoldPairs.Length; i += 2) fold[FoldPairs[i]] = FoldPairs[i + 1];
        return fold;
    }
}
