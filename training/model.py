"""The NER model: a BERT encoder with per-token feature embeddings and a token-classification head.

Any BERT-family checkpoint loads into it (the `bert.*` weights), the project's
own small BERT included; feature embeddings (training/features.py) are added to
the word embeddings before the encoder. With `use_features` false in the config
it is a plain BertForTokenClassification.

With `use_lac` in the config a second encoder runs beside BERT: LAC's pretrained
character embeddings and BiGRU (training/lac.py), indexed by the same input ids;
the classifier reads both encoders' states. BERT brings the rule and lexicon
features into context, LAC brings word knowledge from a large corpus.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import BertConfig, BertModel, BertPreTrainedModel, DataCollatorForTokenClassification
from transformers.modeling_outputs import TokenClassifierOutput

from training.features import FEATURE_SIZES
from training.lac import LacEncoder


class BertForFigureTagging(BertPreTrainedModel):
    config_class = BertConfig

    def __init__(self, config: BertConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        if not hasattr(config, "feature_sizes"):
            config.feature_sizes = list(FEATURE_SIZES)
        if not hasattr(config, "use_features"):
            config.use_features = True
        self.bert = BertModel(config, add_pooling_layer=False)
        self.feature_embeddings = nn.ModuleList(nn.Embedding(n, config.hidden_size) for n in config.feature_sizes)
        self.lac = LacEncoder(config.vocab_size) if getattr(config, "use_lac", False) else None
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        width = config.hidden_size + (self.lac.output_size if self.lac is not None else 0)
        self.classifier = nn.Linear(width, config.num_labels)
        self.post_init()

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, feature_ids=None, labels=None,
                output_hidden_states=None, **kwargs):
        embeds = self.bert.embeddings.word_embeddings(input_ids)
        if self.config.use_features and feature_ids is not None:
            for k, table in enumerate(self.feature_embeddings):
                embeds = embeds + table(feature_ids[..., k])
        out = self.bert(inputs_embeds=embeds, attention_mask=attention_mask, token_type_ids=token_type_ids,
                        output_hidden_states=output_hidden_states)
        states = out.last_hidden_state
        if self.lac is not None:
            states = torch.cat([states, self.lac(input_ids, attention_mask)], dim=-1)
        logits = self.classifier(self.dropout(states))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.view(-1, self.num_labels), labels.view(-1), ignore_index=-100)
        return TokenClassifierOutput(loss=loss, logits=logits, hidden_states=out.hidden_states)


class FeatureCollator(DataCollatorForTokenClassification):
    """Pads `feature_ids` (tokens × slots) alongside the labels."""

    def __call__(self, features, return_tensors=None):
        feats = [f.pop("feature_ids") for f in features] if "feature_ids" in features[0] else None
        batch = super().__call__(features, return_tensors)
        if feats is not None:
            width = batch["input_ids"].shape[1]
            slots = len(feats[0][0]) if feats[0] else len(FEATURE_SIZES)
            padded = torch.zeros(len(feats), width, slots, dtype=torch.long)
            for i, f in enumerate(feats):
                padded[i, : len(f)] = torch.tensor(f, dtype=torch.long).reshape(len(f), slots)
            batch["feature_ids"] = padded
        return batch
