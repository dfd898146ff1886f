# Generated from connector.yaml by `deepseek-connector docs`; do not edit by hand.
# Langflow stores this file's source in each flow and runs it again, so a class must exist
# as real source and imports must be absolute; inputs and outputs are built from the manifest.
from deepseek_connector.hosts.langflow.factory import (
    DeepSeekComponent,
    build_inputs,
    build_outputs,
)


class DeepSeekListModelsComponent(DeepSeekComponent):
    display_name = 'DeepSeek List Models'
    description = 'Returns the models this API key can use right now, with their owners. Use it to check which model names are valid before a chat step.'
    action_key = 'listModels'
    inputs = build_inputs('listModels')
    outputs = build_outputs('listModels')


class DeepSeekCreateChatCompletionComponent(DeepSeekComponent):
    display_name = 'DeepSeek Create Chat Completion'
    description = 'Sends a conversation to a DeepSeek model and returns its answer as one chat.completion object, whether or not it was streamed: the reply text, any reasoning, any tool calls, the finish reason and the token usage.'
    action_key = 'createChatCompletion'
    inputs = build_inputs('createChatCompletion')
    outputs = build_outputs('createChatCompletion')


class DeepSeekCreateFimCompletionComponent(DeepSeekComponent):
    display_name = 'DeepSeek Create FIM Completion'
    description = "Fills in the middle: given the text before a gap (Prompt) and after it (Suffix), a DeepSeek model writes what goes between, for code and templates. Uses DeepSeek's beta API (/beta/completions on the connection's host, whatever the Base URL's path) and returns one text_completion object whether or not it was streamed."
    action_key = 'createFimCompletion'
    inputs = build_inputs('createFimCompletion')
    outputs = build_outputs('createFimCompletion')


class DeepSeekRawRequestComponent(DeepSeekComponent):
    display_name = 'DeepSeek Raw Request'
    description = "Calls any DeepSeek endpoint the other actions do not cover (for example the beta FIM completions or the balance) with the connection's API key. The key is only ever sent to the connection's Base URL."
    action_key = 'rawRequest'
    inputs = build_inputs('rawRequest')
    outputs = build_outputs('rawRequest')


class DeepSeekGetUserBalanceComponent(DeepSeekComponent):
    display_name = 'DeepSeek Get User Balance'
    description = 'Returns the account\'s balance: whether it can still make paid calls, and the total, granted and topped-up amounts per currency (as text, e.g. "110.00").'
    action_key = 'getUserBalance'
    inputs = build_inputs('getUserBalance')
    outputs = build_outputs('getUserBalance')


class DeepSeekUploadFileComponent(DeepSeekComponent):
    display_name = 'DeepSeek Upload File'
    description = "Uploads a picture or a document to DeepSeek for later chats: returns the file object, whose id goes into Create Chat Completion's Image File IDs or Document File IDs. A document is read (its text recognised) during the upload, which can take minutes."
    action_key = 'uploadFile'
    inputs = build_inputs('uploadFile')
    outputs = build_outputs('uploadFile')


class DeepSeekListFilesComponent(DeepSeekComponent):
    display_name = 'DeepSeek List Files'
    description = 'Returns the files uploaded with this API key, oldest first unless Order says otherwise, a page at a time: has_more says whether more follow, and last_id is the After of the next page.'
    action_key = 'listFiles'
    inputs = build_inputs('listFiles')
    outputs = build_outputs('listFiles')


class DeepSeekGetFileComponent(DeepSeekComponent):
    display_name = 'DeepSeek Get File'
    description = "Returns an uploaded file's details: name, size, purpose, when it was uploaded and when it expires. DeepSeek keeps no copy to download."
    action_key = 'getFile'
    inputs = build_inputs('getFile')
    outputs = build_outputs('getFile')


class DeepSeekDeleteFileComponent(DeepSeekComponent):
    display_name = 'DeepSeek Delete File'
    description = 'Deletes an uploaded file; chats can no longer refer to it. Returns the id and deleted: true.'
    action_key = 'deleteFile'
    inputs = build_inputs('deleteFile')
    outputs = build_outputs('deleteFile')
