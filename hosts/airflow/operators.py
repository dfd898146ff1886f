"""One Airflow operator per action of connector.yaml: the action's inputs as typed keyword
arguments (all templated, so Jinja and XCom values work), the result pushed to XCom under
`data` and returned. Generated from connector.yaml by `deepseek-connector docs`; do not
edit by hand."""

from __future__ import annotations

from typing import Any

from .base import DeepSeekOperator
from .hooks import DeepSeekHook

__all__ = [
    'DeepSeekOperator', 'DeepSeekListModelsOperator', 'DeepSeekCreateChatCompletionOperator',
    'DeepSeekCreateFimCompletionOperator', 'DeepSeekRawRequestOperator', 'DeepSeekGetUserBalanceOperator',
    'DeepSeekUploadFileOperator', 'DeepSeekListFilesOperator', 'DeepSeekGetFileOperator',
    'DeepSeekDeleteFileOperator',
]


class DeepSeekListModelsOperator(DeepSeekOperator):
    """Returns the models this API key can use right now, with their owners. Use it to check which
    model names are valid before a chat step."""

    action_key = 'listModels'
    input_keys = (
        'timeout', 'maxRetries', 'retryDelayMS', 'useExponentialBackoff', 'retryAllErrors', 'maxResponseMB',
        'debugRequest',
    )
    template_fields = input_keys
    template_fields_renderers: dict[str, str] = {}

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 timeout: float | None = None,
                 maxRetries: int | None = None,
                 retryDelayMS: int | None = None,
                 useExponentialBackoff: bool | None = None,
                 retryAllErrors: bool | None = None,
                 maxResponseMB: float | None = None,
                 debugRequest: bool | None = None,
                 **kwargs: Any) -> None:
        given = locals()
        super().__init__(deepseek_conn_id=deepseek_conn_id,
                         inputs={key: given[key] for key in self.input_keys}, **kwargs)


class DeepSeekCreateChatCompletionOperator(DeepSeekOperator):
    """Sends a conversation to a DeepSeek model and returns its answer as one chat.completion object,
    whether or not it was streamed: the reply text, any reasoning, any tool calls, the finish reason
    and the token usage."""

    action_key = 'createChatCompletion'
    input_keys = (
        'model', 'system_prompt', 'messages', 'user_message', 'image_urls', 'images', 'image_file_ids',
        'document_file_ids', 'frequency_penalty', 'max_tokens', 'presence_penalty', 'response_format',
        'stop', 'stream', 'include_usage', 'temperature', 'top_p', 'tools', 'tool_choice', 'logprobs',
        'top_logprobs', 'thinking', 'reasoning_effort', 'user_id', 'extra_body', 'prefix', 'json_schema',
        'repair_attempts', 'simplify_output', 'timeout', 'maxRetries', 'retryDelayMS',
        'useExponentialBackoff', 'retryAllErrors', 'maxResponseMB', 'debugRequest',
    )
    template_fields = input_keys
    template_fields_renderers: dict[str, str] = {'messages': 'json', 'tools': 'json', 'tool_choice': 'json',
    'extra_body': 'json', 'json_schema': 'json'}

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 model: str,
                 system_prompt: str | None = None,
                 messages: dict | list | str | None = None,
                 user_message: str | None = None,
                 image_urls: list[str] | str | None = None,
                 images: dict | list | None = None,
                 image_file_ids: list[str] | str | None = None,
                 document_file_ids: list[str] | str | None = None,
                 frequency_penalty: float | None = None,
                 max_tokens: int | None = None,
                 presence_penalty: float | None = None,
                 response_format: str | None = None,
                 stop: list[str] | str | None = None,
                 stream: bool | None = None,
                 include_usage: bool | None = None,
                 temperature: float | None = None,
                 top_p: float | None = None,
                 tools: dict | list | str | None = None,
                 tool_choice: dict | list | str | None = None,
                 logprobs: bool | None = None,
                 top_logprobs: int | None = None,
                 thinking: str | None = None,
                 reasoning_effort: str | None = None,
                 user_id: str | None = None,
                 extra_body: dict | list | str | None = None,
                 prefix: str | None = None,
                 json_schema: dict | list | str | None = None,
                 repair_attempts: int | None = None,
                 simplify_output: bool | None = None,
                 timeout: float | None = None,
                 maxRetries: int | None = None,
                 retryDelayMS: int | None = None,
                 useExponentialBackoff: bool | None = None,
                 retryAllErrors: bool | None = None,
                 maxResponseMB: float | None = None,
                 debugRequest: bool | None = None,
                 **kwargs: Any) -> None:
        given = locals()
        super().__init__(deepseek_conn_id=deepseek_conn_id,
                         inputs={key: given[key] for key in self.input_keys}, **kwargs)


class DeepSeekCreateFimCompletionOperator(DeepSeekOperator):
    """Fills in the middle: given the text before a gap (Prompt) and after it (Suffix), a DeepSeek
    model writes what goes between, for code and templates. Uses DeepSeek's beta API
    (/beta/completions on the connection's host, whatever the Base URL's path) and returns one
    text_completion object whether or not it was streamed."""

    action_key = 'createFimCompletion'
    input_keys = (
        'model', 'prompt', 'suffix', 'max_tokens', 'temperature', 'top_p', 'frequency_penalty',
        'presence_penalty', 'stop', 'echo', 'logprobs', 'stream', 'include_usage', 'simplify_output',
        'timeout', 'maxRetries', 'retryDelayMS', 'useExponentialBackoff', 'retryAllErrors', 'maxResponseMB',
        'debugRequest',
    )
    template_fields = input_keys
    template_fields_renderers: dict[str, str] = {}

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 model: str,
                 prompt: str,
                 suffix: str | None = None,
                 max_tokens: int | None = None,
                 temperature: float | None = None,
                 top_p: float | None = None,
                 frequency_penalty: float | None = None,
                 presence_penalty: float | None = None,
                 stop: list[str] | str | None = None,
                 echo: bool | None = None,
                 logprobs: int | None = None,
                 stream: bool | None = None,
                 include_usage: bool | None = None,
                 simplify_output: bool | None = None,
                 timeout: float | None = None,
                 maxRetries: int | None = None,
                 retryDelayMS: int | None = None,
                 useExponentialBackoff: bool | None = None,
                 retryAllErrors: bool | None = None,
                 maxResponseMB: float | None = None,
                 debugRequest: bool | None = None,
                 **kwargs: Any) -> None:
        given = locals()
        super().__init__(deepseek_conn_id=deepseek_conn_id,
                         inputs={key: given[key] for key in self.input_keys}, **kwargs)


class DeepSeekRawRequestOperator(DeepSeekOperator):
    """Calls any DeepSeek endpoint the other actions do not cover (for example the beta FIM completions
    or the balance) with the connection's API key. The key is only ever sent to the connection's
    Base URL."""

    action_key = 'rawRequest'
    input_keys = (
        'url', 'method', 'data', 'formData', 'fileData', 'fileDataFileNames', 'queryParams', 'headers',
        'responseType', 'timeout', 'maxRetries', 'retryDelayMS', 'useExponentialBackoff', 'retryAllErrors',
        'maxResponseMB', 'debugRequest',
    )
    template_fields = input_keys
    template_fields_renderers: dict[str, str] = {'data': 'json'}

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 url: str,
                 method: str,
                 data: dict | list | str | None = None,
                 formData: dict | list | None = None,
                 fileData: dict | list | None = None,
                 fileDataFileNames: dict | list | None = None,
                 queryParams: dict | list | None = None,
                 headers: dict | list | None = None,
                 responseType: str | None = None,
                 timeout: int | None = None,
                 maxRetries: int | None = None,
                 retryDelayMS: int | None = None,
                 useExponentialBackoff: bool | None = None,
                 retryAllErrors: bool | None = None,
                 maxResponseMB: float | None = None,
                 debugRequest: bool | None = None,
                 **kwargs: Any) -> None:
        given = locals()
        super().__init__(deepseek_conn_id=deepseek_conn_id,
                         inputs={key: given[key] for key in self.input_keys}, **kwargs)


class DeepSeekGetUserBalanceOperator(DeepSeekOperator):
    """Returns the account's balance: whether it can still make paid calls, and the total, granted and
    topped-up amounts per currency (as text, e.g. "110.00")."""

    action_key = 'getUserBalance'
    input_keys = (
        'timeout', 'maxRetries', 'retryDelayMS', 'useExponentialBackoff', 'retryAllErrors', 'maxResponseMB',
        'debugRequest',
    )
    template_fields = input_keys
    template_fields_renderers: dict[str, str] = {}

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 timeout: float | None = None,
                 maxRetries: int | None = None,
                 retryDelayMS: int | None = None,
                 useExponentialBackoff: bool | None = None,
                 retryAllErrors: bool | None = None,
                 maxResponseMB: float | None = None,
                 debugRequest: bool | None = None,
                 **kwargs: Any) -> None:
        given = locals()
        super().__init__(deepseek_conn_id=deepseek_conn_id,
                         inputs={key: given[key] for key in self.input_keys}, **kwargs)


class DeepSeekUploadFileOperator(DeepSeekOperator):
    """Uploads a picture or a document to DeepSeek for later chats: returns the file object, whose id
    goes into Create Chat Completion's Image File IDs or Document File IDs. A document is read (its
    text recognised) during the upload, which can take minutes."""

    action_key = 'uploadFile'
    input_keys = (
        'fileData', 'purpose', 'expires_after', 'timeout', 'maxRetries', 'retryDelayMS',
        'useExponentialBackoff', 'retryAllErrors', 'maxResponseMB', 'debugRequest',
    )
    template_fields = input_keys
    template_fields_renderers: dict[str, str] = {}

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 fileData: dict | list,
                 purpose: str | None = None,
                 expires_after: int | None = None,
                 timeout: float | None = None,
                 maxRetries: int | None = None,
                 retryDelayMS: int | None = None,
                 useExponentialBackoff: bool | None = None,
                 retryAllErrors: bool | None = None,
                 maxResponseMB: float | None = None,
                 debugRequest: bool | None = None,
                 **kwargs: Any) -> None:
        given = locals()
        super().__init__(deepseek_conn_id=deepseek_conn_id,
                         inputs={key: given[key] for key in self.input_keys}, **kwargs)


class DeepSeekListFilesOperator(DeepSeekOperator):
    """Returns the files uploaded with this API key, oldest first unless Order says otherwise, a page
    at a time: has_more says whether more follow, and last_id is the After of the next page."""

    action_key = 'listFiles'
    input_keys = (
        'purpose', 'limit', 'order', 'after', 'timeout', 'maxRetries', 'retryDelayMS',
        'useExponentialBackoff', 'retryAllErrors', 'maxResponseMB', 'debugRequest',
    )
    template_fields = input_keys
    template_fields_renderers: dict[str, str] = {}

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 purpose: str | None = None,
                 limit: int | None = None,
                 order: str | None = None,
                 after: str | None = None,
                 timeout: float | None = None,
                 maxRetries: int | None = None,
                 retryDelayMS: int | None = None,
                 useExponentialBackoff: bool | None = None,
                 retryAllErrors: bool | None = None,
                 maxResponseMB: float | None = None,
                 debugRequest: bool | None = None,
                 **kwargs: Any) -> None:
        given = locals()
        super().__init__(deepseek_conn_id=deepseek_conn_id,
                         inputs={key: given[key] for key in self.input_keys}, **kwargs)


class DeepSeekGetFileOperator(DeepSeekOperator):
    """Returns an uploaded file's details: name, size, purpose, when it was uploaded and when it
    expires. DeepSeek keeps no copy to download."""

    action_key = 'getFile'
    input_keys = (
        'file_id', 'timeout', 'maxRetries', 'retryDelayMS', 'useExponentialBackoff', 'retryAllErrors',
        'maxResponseMB', 'debugRequest',
    )
    template_fields = input_keys
    template_fields_renderers: dict[str, str] = {}

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 file_id: str,
                 timeout: float | None = None,
                 maxRetries: int | None = None,
                 retryDelayMS: int | None = None,
                 useExponentialBackoff: bool | None = None,
                 retryAllErrors: bool | None = None,
                 maxResponseMB: float | None = None,
                 debugRequest: bool | None = None,
                 **kwargs: Any) -> None:
        given = locals()
        super().__init__(deepseek_conn_id=deepseek_conn_id,
                         inputs={key: given[key] for key in self.input_keys}, **kwargs)


class DeepSeekDeleteFileOperator(DeepSeekOperator):
    """Deletes an uploaded file; chats can no longer refer to it. Returns the id and deleted: true."""

    action_key = 'deleteFile'
    input_keys = (
        'file_id', 'timeout', 'maxRetries', 'retryDelayMS', 'useExponentialBackoff', 'retryAllErrors',
        'maxResponseMB', 'debugRequest',
    )
    template_fields = input_keys
    template_fields_renderers: dict[str, str] = {}

    def __init__(self, *, deepseek_conn_id: str = DeepSeekHook.default_conn_name,
                 file_id: str,
                 timeout: float | None = None,
                 maxRetries: int | None = None,
                 retryDelayMS: int | None = None,
                 useExponentialBackoff: bool | None = None,
                 retryAllErrors: bool | None = None,
                 maxResponseMB: float | None = None,
                 debugRequest: bool | None = None,
                 **kwargs: Any) -> None:
        given = locals()
        super().__init__(deepseek_conn_id=deepseek_conn_id,
                         inputs={key: given[key] for key in self.input_keys}, **kwargs)


#: The operator of each action, by the action's key.
OPERATORS: dict[str, type[DeepSeekOperator]] = {
    'listModels': DeepSeekListModelsOperator,
    'createChatCompletion': DeepSeekCreateChatCompletionOperator,
    'createFimCompletion': DeepSeekCreateFimCompletionOperator,
    'rawRequest': DeepSeekRawRequestOperator,
    'getUserBalance': DeepSeekGetUserBalanceOperator,
    'uploadFile': DeepSeekUploadFileOperator,
    'listFiles': DeepSeekListFilesOperator,
    'getFile': DeepSeekGetFileOperator,
    'deleteFile': DeepSeekDeleteFileOperator,
}
